/* Printing result sets for people (aligned table) and programs (JSON, CSV).
 * Text is stored as hosts gave it, so everything printed to a terminal goes
 * through output_escape_terminal(): control bytes, C1 controls, bidi
 * overrides and invalid UTF-8 become visible escapes, never terminal input. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/utf8.h"
#include "common/xmalloc.h"
#include "cli/output.h"

/* Text safe for a terminal. Caller frees. */
char *
output_escape_terminal(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	struct buf		 b = { 0 };
	uint32_t		 cp;
	size_t			 n;

	if (s == NULL)
		return xstrdup("");
	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f) {
			buf_printf(&b, "\\x%02x", *p++);
			continue;
		}
		if ((n = utf8_decode(p, &cp)) == 0) {
			buf_printf(&b, "\\x%02x", *p++);
			continue;
		}
		if (utf8_unsafe(cp))
			buf_printf(&b, "\\u%04x", (unsigned)cp);
		else
			buf_append(&b, p, n);
		p += n;
	}
	return buf_steal(&b);
}

/* A CSV field (RFC 4180): quoted when it holds a comma, quote, CR, LF or
 * leading/trailing blanks; quotes doubled. NULL is an empty field. */
void
output_csv_field(FILE *fp, const char *s)
{
	size_t	 len;

	if (s == NULL || *s == '\0')
		return;
	len = strlen(s);
	if (strpbrk(s, ",\"\r\n") == NULL && !isspace((unsigned char)s[0]) &&
	    !isspace((unsigned char)s[len - 1])) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

/* Rows as a JSON array of objects, one object per line. */
static void
output_json(FILE *fp, const struct table *t)
{
	size_t		 r, c;
	const char	*v;

	fputc('[', fp);
	for (r = 0; r < t->nrows; r++) {
		fputs(r ? ",\n  {" : "\n  {", fp);
		for (c = 0; c < t->ncols; c++) {
			if (c > 0)
				fputs(", ", fp);
			json_write_string(fp, t->cols[c]);
			fputs(": ", fp);
			v = t->rows[r][c];
			if (v == NULL)
				fputs("null", fp);
			else if (t->numeric[c] && json_number_ok(v))
				fputs(v, fp);
			else
				json_write_string(fp, v);
		}
		fputc('}', fp);
	}
	fputs(t->nrows ? "\n]\n" : "]\n", fp);
}

/* One CSV record; escaped for the terminal when printing to one. */
static void
output_csv_row(FILE *fp, char *const *cells, size_t n, int tty)
{
	size_t	 c;
	char	*e;

	for (c = 0; c < n; c++) {
		if (c > 0)
			fputc(',', fp);
		if (tty && cells[c] != NULL) {
			e = output_escape_terminal(cells[c]);
			output_csv_field(fp, e);
			free(e);
		} else
			output_csv_field(fp, cells[c]);
	}
	fputc('\n', fp);
}

/* Header record then every row. */
static void
output_csv(FILE *fp, const struct table *t)
{
	int	 tty = isatty(fileno(fp));
	size_t	 r;

	output_csv_row(fp, t->cols, t->ncols, tty);
	for (r = 0; r < t->nrows; r++)
		output_csv_row(fp, t->rows[r], t->ncols, tty);
}

/* Terminal columns of escaped (valid UTF-8) text: one per code point. */
static size_t
display_width(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* One aligned line; numbers right-aligned, no trailing blanks. */
static void
output_aligned_row(FILE *fp, char *const *cells, const size_t *width,
    const int *right, size_t n)
{
	size_t	 c, w, pad;

	for (c = 0; c < n; c++) {
		w = display_width(cells[c]);
		pad = width[c] > w ? width[c] - w : 0;
		if (c > 0)
			fputs("  ", fp);
		if (right[c])
			fprintf(fp, "%*s", (int)pad, "");
		fputs(cells[c], fp);
		if (!right[c] && c + 1 < n)
			fprintf(fp, "%*s", (int)pad, "");
	}
	fputc('\n', fp);
}

/* Escape every cell of a row for the terminal (NULL as empty). */
static char **
escape_row(char *const *cells, size_t n, size_t *width)
{
	char	**out;
	size_t	  c, w;

	out = xcalloc(n + 1, sizeof *out);
	for (c = 0; c < n; c++) {
		out[c] = output_escape_terminal(cells[c]);
		if ((w = display_width(out[c])) > width[c])
			width[c] = w;
	}
	return out;
}

/* Free an escaped row. */
static void
escape_row_free(char **cells, size_t n)
{
	size_t	 c;

	for (c = 0; c < n; c++)
		free(cells[c]);
	free(cells);
}

/* Aligned columns with a header, every cell escaped. */
static void
output_aligned(FILE *fp, const struct table *t)
{
	char	***rows, **hdr;
	size_t	  *width, r;

	width = xcalloc(t->ncols + 1, sizeof *width);
	hdr = escape_row(t->cols, t->ncols, width);
	rows = xcalloc(t->nrows + 1, sizeof *rows);
	for (r = 0; r < t->nrows; r++)
		rows[r] = escape_row(t->rows[r], t->ncols, width);
	output_aligned_row(fp, hdr, width, t->numeric, t->ncols);
	for (r = 0; r < t->nrows; r++) {
		output_aligned_row(fp, rows[r], width, t->numeric, t->ncols);
		escape_row_free(rows[r], t->ncols);
	}
	escape_row_free(hdr, t->ncols);
	free(rows);
	free(width);
}

/* Print a result set in the chosen format. */
void
output_table(FILE *fp, const struct table *t, enum out_format fmt)
{
	switch (fmt) {
	case OUT_JSON:
		output_json(fp, t);
		break;
	case OUT_CSV:
		output_csv(fp, t);
		break;
	case OUT_TABLE:
	default:
		output_aligned(fp, t);
		break;
	}
}
