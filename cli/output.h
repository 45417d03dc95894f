/* Printing result sets as a table, JSON or CSV. Text is stored as the host
 * gave it; when printed as a table, control characters and invalid UTF-8
 * are escaped so a hostile host cannot drive the reader's terminal. */
#ifndef ROLLCALL_OUTPUT_H
#define ROLLCALL_OUTPUT_H

#include <stdio.h>

#include "cli/cmdentry.h"
#include "storage/storage.h"

/* How a result set is printed. */
struct out_opts {
	enum out_format	 format;	/* table, JSON or CSV */
	int		 no_headers;	/* table and CSV: no header line */
	int		 wide;		/* table: never cut to the terminal */
};

void	output_table(FILE *, const struct table *, enum out_format);
/* The same with options. A table to a terminal is cut to its width (long
 * cells end in "…", numbers never cut) unless wide; piped, never. */
void	output_table_opts(FILE *, const struct table *,
	    const struct out_opts *);
/* Sort the rows by the column named col: numeric columns as numbers, NULL
 * last, ties by the first column. -1 when there is no such column. */
int	output_sort(struct table *, const char *col);
/* Columns of the terminal fp is, 0 when it is not one (pipe, file). */
size_t	output_term_width(FILE *);
/* A CSV field, quoted when needed. */
void	output_csv_field(FILE *, const char *);
/* Text safe for a terminal: control bytes as \xNN, invalid UTF-8 escaped.
 * Caller frees. */
char	*output_escape_terminal(const char *);

#endif
