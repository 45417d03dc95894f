/* Printing result sets for people (aligned table) and programs (JSON, CSV).
 * Text is stored as hosts gave it, so everything printed to a terminal goes
 * through output_escape_terminal(): control bytes, C1 controls, bidi
 * overrides and invalid UTF-8 become visible escapes, never terminal input. */
#include <sys/ioctl.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "collectors/facttypes.h"
#include "common/buf.h"
#include "common/json.h"
#include "common/log.h"
#include "common/utf8.h"
#include "common/xmalloc.h"
#include "cli/output.h"

/* How many leading bytes of s are printable ASCII (the whole string, in
 * almost every cell: then it is its own escaped form). */
static size_t
plain_len(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	while (*p >= 0x20 && *p < 0x7f)
		p++;
	return (size_t)(p - (const unsigned char *)s);
}

/* Append s made safe for a terminal: control bytes and invalid UTF-8 as
 * \xNN, unsafe code points (C1, bidi overrides) as \uNNNN. */
static void
escape_append(struct buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 n;

	while (*p != '\0') {
		if ((n = plain_len((const char *)p)) > 0) {
			buf_append(b, p, n);
			p += n;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			buf_printf(b, "\\x%02x", *p++);
			continue;
		}
		if ((n = utf8_decode(p, &cp)) == 0) {
			buf_printf(b, "\\x%02x", *p++);
			continue;
		}
		if (utf8_unsafe(cp))
			buf_printf(b, "\\u%04x", (unsigned)cp);
		else
			buf_append(b, p, n);
		p += n;
	}
}

/* Text safe for a terminal. Caller frees. */
char *
output_escape_terminal(const char *s)
{
	struct buf	 b = { 0 };

	if (s == NULL)
		return xstrdup("");
	/* Most cells are plain printable ASCII: copy them at their size
	 * (a 256-byte buffer per cell made 100k rows cost 128 MB). */
	if (s[plain_len(s)] == '\0')
		return xstrdup(s);
	escape_append(&b, s);
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

/* The column named name, or -1. */
static ssize_t
output_col(const struct table *t, const char *name)
{
	size_t	 c;

	for (c = 0; c < t->ncols; c++)
		if (strcmp(t->cols[c], name) == 0)
			return (ssize_t)c;
	return -1;
}

/* Is column c a fact's value, typed by the row's "key" column (the shape
 * of host_facts and changes: value, old_value, new_value)? */
static int
output_fact_col(const struct table *t, size_t c, ssize_t key)
{
	return key >= 0 && (strcmp(t->cols[c], "value") == 0 ||
	    strcmp(t->cols[c], "old_value") == 0 ||
	    strcmp(t->cols[c], "new_value") == 0);
}

/* Each column's name as a JSON key followed by ": ", written once per
 * table rather than once per cell. Caller frees each and the array. */
static char **
output_json_keys(const struct table *t)
{
	char	**keys;
	size_t	  c, len;
	FILE	 *m;

	keys = xcalloc(t->ncols + 1, sizeof *keys);
	for (c = 0; c < t->ncols; c++) {
		if ((m = open_memstream(&keys[c], &len)) == NULL)
			fatal("open_memstream");
		json_write_string(m, t->cols[c]);
		fputs(": ", m);
		if (fclose(m) != 0)
			fatal("open_memstream");
	}
	return keys;
}

/* Rows as a JSON array of objects, one object per line; a fact's value
 * as its key's type says (collectors/facttypes.c). */
static void
output_json(FILE *fp, const struct table *t)
{
	size_t		 r, c;
	const char	*v;
	ssize_t		 key = output_col(t, "key");
	char		**keys = output_json_keys(t);

	fputc('[', fp);
	for (r = 0; r < t->nrows; r++) {
		fputs(r ? ",\n  {" : "\n  {", fp);
		for (c = 0; c < t->ncols; c++) {
			if (c > 0)
				fputs(", ", fp);
			fputs(keys[c], fp);
			v = t->rows[r][c];
			if (v == NULL)
				fputs("null", fp);
			else if (output_fact_col(t, c, key))
				fact_json_write(fp, t->rows[r][key], v);
			else if (t->numeric[c] && json_number_ok(v))
				fputs(v, fp);
			else
				json_write_string(fp, v);
		}
		fputc('}', fp);
	}
	fputs(t->nrows ? "\n]\n" : "]\n", fp);
	for (c = 0; c < t->ncols; c++)
		free(keys[c]);
	free(keys);
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

/* Header record (unless no_headers) then every row. */
static void
output_csv(FILE *fp, const struct table *t, int no_headers)
{
	int	 tty = isatty(fileno(fp));
	size_t	 r;

	if (!no_headers)
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

/* A cell as the terminal gets it: escaped, NUL-terminated. */
struct cell_view {
	const char	*s;		/* the cell itself when it needs no
					 * escape, else the scratch buffer */
	size_t		 len;		/* bytes */
	size_t		 width;		/* terminal columns */
};

/* View a cell escaped without copying it when it needs no escape (the
 * common case); otherwise escape it into scratch, valid until the next
 * call. NULL is empty. */
static void
cell_view(const char *s, struct buf *scratch, struct cell_view *v)
{
	size_t	 n;

	if (s == NULL)
		s = "";
	if (s[n = plain_len(s)] == '\0') {
		v->s = s;
		v->len = v->width = n;
		return;
	}
	buf_reset(scratch);
	escape_append(scratch, s);
	v->s = scratch->data;
	v->len = scratch->len;
	v->width = display_width(scratch->data);
}

/* Append n blanks. */
static void
pad_append(struct buf *line, size_t n)
{
	static const char	 blanks[] = "                                ";

	for (; n >= sizeof blanks - 1; n -= sizeof blanks - 1)
		buf_append(line, blanks, sizeof blanks - 1);
	buf_append(line, blanks, n);
}

/* Append a cell in at most w columns: cut with "…" when longer. */
static void
cell_append(struct buf *line, const struct cell_view *v, size_t w)
{
	const char	*p = v->s;
	size_t		 n = 0;

	if (v->width <= w) {
		buf_append(line, v->s, v->len);
		return;
	}
	for (; *p != '\0' && n + 1 < w; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80)
			n++;
		/* the code point's continuation bytes come along */
		while ((((unsigned char)p[1]) & 0xc0) == 0x80)
			buf_append(line, p++, 1);
		buf_append(line, p, 1);
	}
	if (w > 0)
		buf_append(line, "\u2026", sizeof "\u2026" - 1);
}

/* Buffers an aligned table reuses from line to line. */
struct aligned {
	FILE		*fp;		/* where lines go */
	const size_t	*width;		/* columns of each column */
	const int	*right;		/* per column: right-aligned */
	size_t		 n;		/* columns */
	struct buf	 line;		/* the line being built */
	struct buf	 scratch;	/* the cell being escaped */
};

/* One aligned line, written at once; numbers right-aligned, no trailing
 * blanks (empty last cells leave none either). */
static void
output_aligned_row(struct aligned *a, char *const *cells)
{
	struct cell_view v;
	size_t		 c, w, pad, n = a->n;

	while (n > 1 && (cells[n - 1] == NULL || cells[n - 1][0] == '\0'))
		n--;
	buf_reset(&a->line);
	for (c = 0; c < n; c++) {
		cell_view(cells[c], &a->scratch, &v);
		w = v.width < a->width[c] ? v.width : a->width[c];
		pad = a->width[c] - w;
		if (c > 0)
			buf_append(&a->line, "  ", 2);
		if (a->right[c])
			pad_append(&a->line, pad);
		cell_append(&a->line, &v, a->width[c]);
		if (!a->right[c] && c + 1 < n)
			pad_append(&a->line, pad);
	}
	buf_append(&a->line, "\n", 1);
	fwrite(a->line.data, 1, a->line.len, a->fp);
}

/* Widen width[] to the escaped cells of a row (NULL as empty). */
static void
row_widths(char *const *cells, size_t n, size_t *width, struct buf *scratch)
{
	struct cell_view v;
	size_t		 c;

	for (c = 0; c < n; c++) {
		cell_view(cells[c], scratch, &v);
		if (v.width > width[c])
			width[c] = v.width;
	}
}

/* Columns of the terminal, 0 if fp is none; $COLUMNS when the size is
 * unknown. */
size_t
output_term_width(FILE *fp)
{
	struct winsize	 ws;
	const char	*e;
	long		 n;

	if (!isatty(fileno(fp)))
		return 0;
	if (ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if ((e = getenv("COLUMNS")) != NULL && (n = strtol(e, NULL, 10)) > 0)
		return (size_t)n;
	return 80;
}

/* Narrow the widest cuttable column, one column at a time, until the
 * line fits term. A column keeps at least its header (and 8), numbers
 * keep their width. */
static void
output_fit(size_t *width, const size_t *least, size_t n, size_t term)
{
	size_t	 c, best, total = 0;

	for (c = 0; c < n; c++)
		total += width[c] + (c > 0 ? 2 : 0);
	while (total > term) {
		best = n;
		for (c = 0; c < n; c++)
			if (width[c] > least[c] && (best == n ||
			    width[c] > width[best]))
				best = c;
		if (best == n)
			return;			/* cannot fit: print as is */
		width[best]--;
		total--;
	}
}

/* Header cells for a table: the column names escaped and upper-cased,
 * as kubectl, ps and docker print them (one header style everywhere).
 * Caller frees each and the array. */
static char **
output_headers(const struct table *t, size_t *width)
{
	char	**hdr;
	size_t	  c, w;
	char	 *p;

	hdr = xcalloc(t->ncols + 1, sizeof *hdr);
	for (c = 0; c < t->ncols; c++) {
		hdr[c] = output_escape_terminal(t->cols[c]);
		for (p = hdr[c]; *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
		if ((w = display_width(hdr[c])) > width[c])
			width[c] = w;
	}
	return hdr;
}

/* Aligned columns with a header, every cell escaped; cut to the
 * terminal unless wide. Two passes over the rows, neither copying a
 * cell that needs no escape: the widths, then the lines. */
static void
output_aligned(FILE *fp, const struct table *t, const struct out_opts *o)
{
	struct aligned	 a = { 0 };
	char		**hdr;
	size_t		 *width, *least, r, c, term;

	width = xcalloc(t->ncols + 1, sizeof *width);
	least = xcalloc(t->ncols + 1, sizeof *least);
	hdr = output_headers(t, width);
	for (c = 0; c < t->ncols; c++)
		least[c] = width[c] > 8 ? width[c] : 8;
	if (o->no_headers)
		memset(width, 0, t->ncols * sizeof *width);
	for (r = 0; r < t->nrows; r++)
		row_widths(t->rows[r], t->ncols, width, &a.scratch);
	for (c = 0; c < t->ncols; c++)
		if (t->numeric[c] || least[c] > width[c])
			least[c] = width[c];
	if (!o->wide && (term = output_term_width(fp)) > 0)
		output_fit(width, least, t->ncols, term);
	a.fp = fp;
	a.width = width;
	a.right = t->numeric;
	a.n = t->ncols;
	if (!o->no_headers)
		output_aligned_row(&a, hdr);
	for (r = 0; r < t->nrows; r++)
		output_aligned_row(&a, t->rows[r]);
	for (c = 0; c < t->ncols; c++)
		free(hdr[c]);
	free(hdr);
	buf_free(&a.line);
	buf_free(&a.scratch);
	free(least);
	free(width);
}

/* Compare two rows by column *arg (then by the first column). */
static int
output_row_cmp(const void *a, const void *b, void *arg)
{
	const struct table	*t = ((void **)arg)[0];
	size_t			 c = *(size_t *)((void **)arg)[1];
	char *const		*x = *(char *const *const *)a;
	char *const		*y = *(char *const *const *)b;
	double			 dx, dy;
	int			 r;

	if (x[c] == NULL || y[c] == NULL)
		r = (x[c] == NULL) - (y[c] == NULL);	/* NULL last */
	else if (t->numeric[c]) {
		dx = strtod(x[c], NULL);
		dy = strtod(y[c], NULL);
		r = dx < dy ? -1 : dx > dy;
	} else
		r = strcmp(x[c], y[c]);
	if (r == 0 && c != 0 && x[0] != NULL && y[0] != NULL)
		r = strcmp(x[0], y[0]);
	return r;
}

/* Sort rows by a column. */
int
output_sort(struct table *t, const char *col)
{
	void	*arg[2];
	size_t	 c;

	for (c = 0; c < t->ncols; c++)
		if (strcasecmp(t->cols[c], col) == 0)
			break;
	if (c == t->ncols)
		return -1;
	arg[0] = t;
	arg[1] = &c;
	qsort_r(t->rows, t->nrows, sizeof *t->rows, output_row_cmp, arg);
	return 0;
}

/* Print a result set as the options say. */
void
output_table_opts(FILE *fp, const struct table *t, const struct out_opts *o)
{
	switch (o->format) {
	case OUT_JSON:
		output_json(fp, t);
		break;
	case OUT_CSV:
		output_csv(fp, t, o->no_headers);
		break;
	case OUT_TABLE:
	default:
		output_aligned(fp, t, o);
		break;
	}
}

/* Print a result set in the chosen format, with headers, cut to the
 * terminal. */
void
output_table(FILE *fp, const struct table *t, enum out_format fmt)
{
	struct out_opts	 o = { fmt, 0, 0 };

	output_table_opts(fp, t, &o);
}
