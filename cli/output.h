/* Printing result sets as a table, JSON or CSV. Text is stored as the host
 * gave it; when printed as a table, control characters and invalid UTF-8
 * are escaped so a hostile host cannot drive the reader's terminal. */
#ifndef ROLLCALL_OUTPUT_H
#define ROLLCALL_OUTPUT_H

#include <stdio.h>

#include "cli/cmd.h"
#include "storage/storage.h"

void	output_table(FILE *, const struct table *, enum out_format);
/* A CSV field, quoted when needed. */
void	output_csv_field(FILE *, const char *);
/* Text safe for a terminal: control bytes as \xNN, invalid UTF-8 escaped.
 * Caller frees. */
char	*output_escape_terminal(const char *);

#endif
