/* JSON, in one place: a small writer (strings escaped, numbers, bools,
 * null, objects and arrays, commas handled) used by the CLI's --json output
 * and the control socket, and a reader that flattens a document into dotted
 * keys (a.b.0.c = value), used by custom collectors (parse mode json) and
 * by `rollcall status` to read the daemon's answer. */
#ifndef ROLLCALL_JSON_H
#define ROLLCALL_JSON_H

#include <stddef.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	64	/* nesting the reader and writer accept */

/* ---- writer ---- */

/* A JSON text being written to a stream, compact (no blanks). */
struct json_writer {
	FILE	*fp;				/* where the text goes */
	int	 depth;				/* open containers */
	int	 nvalues[JSON_MAX_DEPTH + 1];	/* values written per level */
	int	 after_key;			/* a key was written, its
						 * value comes next: no comma */
};

/* Start writing to fp. */
void	json_writer_init(struct json_writer *, FILE *fp);
void	json_object_open(struct json_writer *);
void	json_object_close(struct json_writer *);
void	json_array_open(struct json_writer *);
void	json_array_close(struct json_writer *);
/* A member name inside an object; its value is the next call. */
void	json_key(struct json_writer *, const char *);
/* A string value; NULL is written as null. */
void	json_str(struct json_writer *, const char *);
void	json_int(struct json_writer *, long long);
void	json_uint(struct json_writer *, unsigned long long);
/* A number with a fixed count of decimals (e.g. milliseconds as 1.250). */
void	json_fixed(struct json_writer *, double, int decimals);
void	json_bool(struct json_writer *, int);
void	json_null(struct json_writer *);
/* A member: json_key then the value, as one call. */
void	json_kv_str(struct json_writer *, const char *key, const char *);
void	json_kv_int(struct json_writer *, const char *key, long long);
void	json_kv_uint(struct json_writer *, const char *key,
	    unsigned long long);
void	json_kv_bool(struct json_writer *, const char *key, int);

/* A string literal written straight to fp, for layouts of their own (the
 * CLI's one-object-per-line arrays): quotes, backslash and control
 * characters escaped, DEL and C1/bidi/line-separator code points as \uXXXX
 * (a terminal could act on them), invalid UTF-8 as \ufffd. NULL is "". */
void	json_write_string(FILE *fp, const char *);
/* Is s a number JSON accepts as is (SQLite may give "Inf", "1e+999")? */
int	json_number_ok(const char *s);

/* ---- reader ---- */

/* Called for every scalar of the document with its dotted path and its
 * text (strings decoded, a \u0000 as U+FFFD; numbers/true/false/null as
 * written; an empty object or array as "{}" or "[]"). Return 0 to go on, -1 to stop with a
 * message in err. */
typedef int (*json_leaf_cb)(void *arg, const char *path, const char *value,
    char *err, size_t errlen);

/* Flatten one JSON document without recursion. Paths start with prefix
 * (may be ""), then ".member" per object level and ".N" per array index;
 * member names keep [A-Za-z0-9_.-] and other bytes become '_'. A scalar
 * at the top is "<prefix>.value" ("value" without a prefix). Returns 0, or
 * -1 with err naming what went wrong and where (line, column). */
int	json_flatten(const char *text, size_t len, const char *prefix,
	    json_leaf_cb cb, void *arg, char *err, size_t errlen);

#endif
