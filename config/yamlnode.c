/* A small YAML node tree built from libyaml events, with line and column
 * on every node. Bounded on purpose: file size, nesting depth and the
 * number of nodes with aliases expanded all have limits, so hostile input
 * (alias bombs, 10,000-deep nesting, huge files) fails fast with a message
 * instead of eating memory or the stack. Nothing here recurses. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/internal.h"

/* One open collection while events arrive. */
struct yframe {
	struct ynode	*node;		/* the sequence or mapping */
	char		*anchor;	/* its anchor, registered at its end */
};

/* Parser state for one document. */
struct ybuild {
	struct ydoc		*doc;		/* what we build */
	struct cfg_errors	*errs;		/* where problems go */
	struct yframe		*stack;		/* open collections */
	size_t			 depth;		/* entries used in stack */
	struct strmap		 anchors;	/* anchor name -> index in names */
	struct ynode		**targets;	/* anchored nodes by index */
	char			**names;	/* anchor names (owned) */
	size_t			 nanchors;	/* entries in targets/names */
	size_t			 total;		/* nodes so far, aliases expanded */
	int			 ndocs;		/* documents started */
	int			 failed;	/* stop: an error ended parsing */
};

/* Read a whole file, refusing anything that is not a regular file or is
 * over the size limit before reading it. Returns 0 or -1 with an error. */
int
cfg_read_file(const char *path, struct buf *b, struct cfg_errors *errs)
{
	struct stat	 st;
	char		 chunk[65536];
	ssize_t		 n;
	int		 fd;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		cfg_err(errs, path, 0, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		cfg_err(errs, path, 0, 0, "not a regular file");
		close(fd);
		return -1;
	}
	if (st.st_size > CFG_MAX_FILE) {
		cfg_err(errs, path, 0, 0, "file too large (%lld bytes, "
		    "limit %d MiB)", (long long)st.st_size,
		    CFG_MAX_FILE / (1024 * 1024));
		close(fd);
		return -1;
	}
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			cfg_err(errs, path, 0, 0, "read: %s", strerror(errno));
			close(fd);
			return -1;
		}
		if (b->len + (size_t)n > CFG_MAX_FILE) {
			cfg_err(errs, path, 0, 0, "file too large (limit %d "
			    "MiB)", CFG_MAX_FILE / (1024 * 1024));
			close(fd);
			return -1;
		}
		buf_append(b, chunk, (size_t)n);
	}
	close(fd);
	return 0;
}

/* A new node at the event's start mark, owned by the document's arena. */
static struct ynode *
ybuild_node(struct ybuild *yb, enum ynode_kind kind, const yaml_event_t *ev)
{
	struct ynode	*n;

	n = xcalloc(1, sizeof *n);
	n->kind = kind;
	n->line = (int)ev->start_mark.line + 1;
	n->col = (int)ev->start_mark.column + 1;
	n->weight = 1;
	n->next = yb->doc->arena;
	yb->doc->arena = n;
	return n;
}

/* Append a child to a collection. */
static void
ynode_add(struct ynode *parent, struct ynode *kid)
{
	if (parent->nkids == parent->capkids) {
		parent->capkids = parent->capkids ? parent->capkids * 2 : 8;
		parent->kids = xreallocarray(parent->kids, parent->capkids,
		    sizeof *parent->kids);
	}
	parent->kids[parent->nkids++] = kid;
}

/* Count nodes against the bound; stop the parse when it is exceeded. */
static int
ybuild_count(struct ybuild *yb, size_t n, const yaml_event_t *ev)
{
	yb->total += n;
	if (yb->total <= CFG_MAX_NODES)
		return 0;
	cfg_err(yb->errs, yb->doc->file, (int)ev->start_mark.line + 1,
	    (int)ev->start_mark.column + 1, "document too large: more than "
	    "%d nodes with aliases expanded (alias bomb?)", CFG_MAX_NODES);
	yb->failed = 1;
	return -1;
}

/* Attach a finished node to the open collection, or make it the root. */
static void
ybuild_attach(struct ybuild *yb, struct ynode *n)
{
	if (yb->depth == 0)
		yb->doc->root = n;
	else
		ynode_add(yb->stack[yb->depth - 1].node, n);
}

/* Remember an anchored node for later aliases (a redefinition wins). */
static void
ybuild_anchor(struct ybuild *yb, const char *name, struct ynode *n)
{
	size_t	 i;

	if (name == NULL)
		return;
	if (strmap_get(&yb->anchors, name, &i)) {
		yb->targets[i] = n;
		return;
	}
	yb->targets = xreallocarray(yb->targets, yb->nanchors + 1,
	    sizeof *yb->targets);
	yb->names = xreallocarray(yb->names, yb->nanchors + 1,
	    sizeof *yb->names);
	yb->names[yb->nanchors] = xstrdup(name);
	yb->targets[yb->nanchors] = n;
	strmap_put(&yb->anchors, yb->names[yb->nanchors], yb->nanchors);
	yb->nanchors++;
}

/* A scalar event: a leaf node. */
static void
ybuild_scalar(struct ybuild *yb, const yaml_event_t *ev)
{
	struct ynode	*n;

	if (ybuild_count(yb, 1, ev) == -1)
		return;
	n = ybuild_node(yb, YN_SCALAR, ev);
	n->len = ev->data.scalar.length;
	n->str = xmalloc(n->len + 1);
	memcpy(n->str, ev->data.scalar.value, n->len);
	n->str[n->len] = '\0';
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (ev->data.scalar.tag != NULL)
		n->tag = xstrdup((const char *)ev->data.scalar.tag);
	ybuild_attach(yb, n);
	ybuild_anchor(yb, (const char *)ev->data.scalar.anchor, n);
}

/* An alias event: share the anchored node, charging its expanded size. */
static void
ybuild_alias(struct ybuild *yb, const yaml_event_t *ev)
{
	const char	*name = (const char *)ev->data.alias.anchor;
	size_t		 i;

	if (!strmap_get(&yb->anchors, name, &i)) {
		cfg_err(yb->errs, yb->doc->file, (int)ev->start_mark.line + 1,
		    (int)ev->start_mark.column + 1, "unknown anchor '*%s'",
		    name);
		yb->failed = 1;
		return;
	}
	if (ybuild_count(yb, yb->targets[i]->weight, ev) == -1)
		return;
	ybuild_attach(yb, yb->targets[i]);
}

/* Start of a sequence or mapping: attach it and open a frame. */
static void
ybuild_open(struct ybuild *yb, enum ynode_kind kind, const yaml_event_t *ev,
    const yaml_char_t *anchor)
{
	struct ynode	*n;

	if (yb->depth >= CFG_MAX_DEPTH) {
		cfg_err(yb->errs, yb->doc->file, (int)ev->start_mark.line + 1,
		    (int)ev->start_mark.column + 1, "nesting deeper than %d "
		    "levels", CFG_MAX_DEPTH);
		yb->failed = 1;
		return;
	}
	if (ybuild_count(yb, 1, ev) == -1)
		return;
	n = ybuild_node(yb, kind, ev);
	ybuild_attach(yb, n);
	yb->stack[yb->depth].node = n;
	yb->stack[yb->depth].anchor = anchor ? xstrdup((const char *)anchor) :
	    NULL;
	yb->depth++;
}

/* Is this mapping key the YAML merge key "<<"? */
static int
ynode_is_merge(const struct ynode *k)
{
	return k->kind == YN_SCALAR && k->plain && strcmp(k->str, "<<") == 0;
}

/* Append a mapping's pairs to a flat key/value list. */
static void
ymerge_add(struct ynode *flat, const struct ynode *src)
{
	size_t	 i;

	if (src->kind != YN_MAP)
		return;
	for (i = 0; i + 1 < src->nkids; i += 2) {
		ynode_add(flat, src->kids[i]);
		ynode_add(flat, src->kids[i + 1]);
	}
}

/* Resolve "<<: *base" merge keys the way PyYAML (and so Ansible) does:
 * the merged pairs come first (a list of sources in reverse order), then
 * the mapping's own; a key keeps the position of its first occurrence and
 * the value of its last, so explicit keys win, then earlier sources. */
static void
ymerge(struct ynode *map)
{
	struct ynode	 flat = { 0 };
	struct strmap	 seen = { 0 };
	size_t		 i, j, at;

	for (i = 0; i + 1 < map->nkids; i += 2)
		if (ynode_is_merge(map->kids[i]))
			break;
	if (i + 1 >= map->nkids)
		return;
	for (i = 0; i + 1 < map->nkids; i += 2) {
		if (!ynode_is_merge(map->kids[i]))
			continue;
		if (map->kids[i + 1]->kind != YN_SEQ)
			ymerge_add(&flat, map->kids[i + 1]);
		else
			for (j = map->kids[i + 1]->nkids; j-- > 0; )
				ymerge_add(&flat, map->kids[i + 1]->kids[j]);
	}
	for (i = 0; i + 1 < map->nkids; i += 2)
		if (!ynode_is_merge(map->kids[i])) {
			ynode_add(&flat, map->kids[i]);
			ynode_add(&flat, map->kids[i + 1]);
		}
	map->nkids = 0;
	for (i = 0; i + 1 < flat.nkids; i += 2) {
		if (flat.kids[i]->kind == YN_SCALAR &&
		    strmap_get(&seen, flat.kids[i]->str, &at)) {
			map->kids[at + 1] = flat.kids[i + 1];
			continue;
		}
		if (flat.kids[i]->kind == YN_SCALAR)
			strmap_put(&seen, flat.kids[i]->str, map->nkids);
		ynode_add(map, flat.kids[i]);
		ynode_add(map, flat.kids[i + 1]);
	}
	strmap_free(&seen);
	free(flat.kids);
}

/* End of a collection: compute its expanded weight, register its anchor. */
static void
ybuild_close(struct ybuild *yb)
{
	struct yframe	*f;
	struct ynode	*n;
	size_t		 i;

	if (yb->depth == 0)
		return;
	f = &yb->stack[--yb->depth];
	n = f->node;
	if (n->kind == YN_MAP)
		ymerge(n);
	n->weight = 1;
	for (i = 0; i < n->nkids; i++) {
		n->weight += n->kids[i]->weight;
		if (n->weight > CFG_MAX_NODES)
			n->weight = CFG_MAX_NODES + 1;
	}
	ybuild_anchor(yb, f->anchor, n);
	free(f->anchor);
	f->anchor = NULL;
}

/* Report a libyaml syntax error at its problem mark. */
static void
ybuild_syntax(struct ybuild *yb, const yaml_parser_t *p)
{
	const char	*what = p->problem ? p->problem : "syntax error";

	if (p->context != NULL)
		cfg_err(yb->errs, yb->doc->file, (int)p->problem_mark.line + 1,
		    (int)p->problem_mark.column + 1, "YAML syntax error: %s "
		    "%s (line %d)", what, p->context,
		    (int)p->context_mark.line + 1);
	else
		cfg_err(yb->errs, yb->doc->file, (int)p->problem_mark.line + 1,
		    (int)p->problem_mark.column + 1, "YAML syntax error: %s",
		    what);
	yb->failed = 1;
}

/* Handle one event. Returns 0 at the end of the stream, else 1. */
static int
ybuild_event(struct ybuild *yb, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		if (++yb->ndocs > 1) {
			cfg_err(yb->errs, yb->doc->file,
			    (int)ev->start_mark.line + 1,
			    (int)ev->start_mark.column + 1, "more than one "
			    "YAML document in the file");
			yb->failed = 1;
		}
		break;
	case YAML_SCALAR_EVENT:
		ybuild_scalar(yb, ev);
		break;
	case YAML_ALIAS_EVENT:
		ybuild_alias(yb, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		ybuild_open(yb, YN_SEQ, ev, ev->data.sequence_start.anchor);
		break;
	case YAML_MAPPING_START_EVENT:
		ybuild_open(yb, YN_MAP, ev, ev->data.mapping_start.anchor);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		ybuild_close(yb);
		break;
	default:
		break;
	}
	return 1;
}

/* Free the builder's bookkeeping (not the document). */
static void
ybuild_free(struct ybuild *yb)
{
	size_t	 i;

	for (i = 0; i < yb->depth; i++)
		free(yb->stack[i].anchor);
	for (i = 0; i < yb->nanchors; i++)
		free(yb->names[i]);
	free(yb->names);
	free(yb->targets);
	free(yb->stack);
	strmap_free(&yb->anchors);
}

/* Parse text into the document; errors stop at the first problem.
 * Returns -1 when parsing failed. */
static int
ydoc_parse(struct ydoc *doc, const char *text, size_t len,
    struct cfg_errors *errs)
{
	struct ybuild	 yb = { 0 };
	yaml_parser_t	 p;
	yaml_event_t	 ev;
	int		 more = 1;

	yb.doc = doc;
	yb.errs = errs;
	yb.stack = xcalloc(CFG_MAX_DEPTH, sizeof *yb.stack);
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (more && !yb.failed) {
		if (!yaml_parser_parse(&p, &ev)) {
			ybuild_syntax(&yb, &p);
			break;
		}
		more = ybuild_event(&yb, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	ybuild_free(&yb);
	return yb.failed ? -1 : 0;
}

/* Load and parse one YAML file. Returns NULL when it cannot be read or is
 * not valid YAML (errors appended); the caller frees the document. */
struct ydoc *
ydoc_load(const char *path, struct cfg_errors *errs)
{
	struct buf	 b = { 0 };
	struct ydoc	*doc;

	if (cfg_read_file(path, &b, errs) == -1) {
		buf_free(&b);
		return NULL;
	}
	doc = ydoc_parse_text(path, buf_str(&b), b.len, errs);
	buf_free(&b);
	return doc;
}

/* Parse text already read from path. Returns NULL when it is not valid
 * YAML (errors appended); the caller frees the document. */
struct ydoc *
ydoc_parse_text(const char *path, const char *text, size_t len,
    struct cfg_errors *errs)
{
	struct ydoc	*doc;

	doc = xcalloc(1, sizeof *doc);
	doc->file = xstrdup(path);
	if (ydoc_parse(doc, text, len, errs) == -1) {
		ydoc_free(doc);
		return NULL;
	}
	return doc;
}

/* Free a document and every node it owns. */
void
ydoc_free(struct ydoc *doc)
{
	struct ynode	*n, *next;

	if (doc == NULL)
		return;
	for (n = doc->arena; n != NULL; n = next) {
		next = n->next;
		free(n->str);
		free(n->tag);
		free(n->kids);
		free(n);
	}
	free(doc->file);
	free(doc);
}

/* What a node is, for "wrong type" messages. */
const char *
ynode_kind_str(const struct ynode *n)
{
	if (ynode_is_null(n))
		return "null";
	switch (n->kind) {
	case YN_SEQ:
		return "a list";
	case YN_MAP:
		return "a mapping";
	default:
		return "a scalar";
	}
}

/* Pairs in a mapping. */
size_t
ymap_len(const struct ynode *map)
{
	return map->nkids / 2;
}

/* The i-th key of a mapping. */
struct ynode *
ymap_key(const struct ynode *map, size_t i)
{
	return map->kids[2 * i];
}

/* The i-th value of a mapping. */
struct ynode *
ymap_val(const struct ynode *map, size_t i)
{
	return map->kids[2 * i + 1];
}

/* Skip a run of digits; returns how many. */
static size_t
yjson_digits(const char **p)
{
	size_t	 n = 0;

	while (**p >= '0' && **p <= '9') {
		(*p)++;
		n++;
	}
	return n;
}

/* Does a plain scalar read as a JSON number, boolean or null? Strict JSON
 * grammar, so "0x10", "inf" or "1_000" stay strings. */
static int
yjson_literal(const struct ynode *n)
{
	const char	*p = n->str;

	if (!n->plain || n->len == 0)
		return 0;
	if (strcmp(p, "true") == 0 || strcmp(p, "false") == 0 ||
	    strcmp(p, "null") == 0)
		return 1;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (yjson_digits(&p) == 0)
		return 0;
	if (*p == '.') {
		p++;
		if (yjson_digits(&p) == 0)
			return 0;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (yjson_digits(&p) == 0)
			return 0;
	}
	return *p == '\0';
}

/* Work item of the iterative JSON writer: a node, or a literal to emit. */
struct yjson_item {
	const struct ynode	*node;		/* node to write, or NULL */
	const char		*lit;		/* punctuation, or NULL */
	int			 is_key;	/* node is a mapping key */
};

/* Growable stack of work items. */
struct yjson_stack {
	struct yjson_item	*v;	/* items */
	size_t			 n;	/* used */
	size_t			 cap;	/* allocated */
};

/* Push one work item. */
static void
yjson_push(struct yjson_stack *st, const struct ynode *node, const char *lit,
    int is_key)
{
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 32;
		st->v = xreallocarray(st->v, st->cap, sizeof *st->v);
	}
	st->v[st->n].node = node;
	st->v[st->n].lit = lit;
	st->v[st->n].is_key = is_key;
	st->n++;
}

/* Open a collection and push its children in reverse so they pop in
 * order, with the punctuation between them. */
static void
yjson_expand(struct buf *b, struct yjson_stack *st, const struct ynode *node)
{
	size_t	 i, step = node->kind == YN_MAP ? 2 : 1;

	buf_append(b, node->kind == YN_MAP ? "{" : "[", 1);
	yjson_push(st, NULL, node->kind == YN_MAP ? "}" : "]", 0);
	for (i = node->nkids; i >= step; i -= step) {
		if (step == 2) {
			yjson_push(st, node->kids[i - 1], NULL, 0);
			yjson_push(st, NULL, ":", 0);
		}
		yjson_push(st, node->kids[i - step], NULL, step == 2);
		if (i != step)
			yjson_push(st, NULL, ",", 0);
	}
}

/* Write a node as compact JSON: typed says scalars are typed as PyYAML
 * types them (Ansible's view), else plain ones that read as JSON literals
 * stay bare and map keys are strings. Iterative: the tree may be as deep
 * as the limit allows. */
static void
yjson_write(struct buf *b, const struct ynode *root, int typed)
{
	struct yjson_stack	 st = { 0 };
	struct yjson_item	 it;

	yjson_push(&st, root, NULL, 0);
	while (st.n > 0) {
		it = st.v[--st.n];
		if (it.lit != NULL)
			buf_append(b, it.lit, strlen(it.lit));
		else if (it.node->kind != YN_SCALAR && !it.is_key)
			yjson_expand(b, &st, it.node);
		else if (it.node->kind != YN_SCALAR)
			cfg_json_string(b, "?", 1);
		else if (typed)
			yscalar_json(b, it.node, it.is_key);
		else if (!it.is_key && ynode_is_null(it.node))
			buf_append(b, "null", 4);
		else if (!it.is_key && yjson_literal(it.node))
			buf_append(b, it.node->str, it.node->len);
		else
			cfg_json_string(b, it.node->str, it.node->len);
	}
	free(st.v);
}

/* Scalars as their text; lists and mappings as compact JSON. */
char *
ynode_to_text(const struct ynode *root)
{
	struct buf	 b = { 0 };

	if (ynode_is_null(root))
		return xstrdup("");
	if (root->kind == YN_SCALAR)
		return xstrdup(root->str);
	yjson_write(&b, root, 0);
	return buf_steal(&b);
}

/* The value as ansible-inventory prints it. Caller frees. */
char *
ynode_to_json(const struct ynode *root)
{
	struct buf	 b = { 0 };

	if (root == NULL)
		return xstrdup("null");
	yjson_write(&b, root, 1);
	return buf_steal(&b);
}

/* Report every scalar key that appears twice in one mapping (YAML says
 * keys are unique; PyYAML silently keeps the last, which hides typos).
 * Returns how many duplicates were found. */
int
cfg_dup_keys(struct cfg_errors *errs, const char *file,
    const struct ynode *map, const char *what)
{
	struct strmap		 seen = { 0 };
	const struct ynode	*k, *first;
	size_t			 i, j;
	int			 ndup = 0;
	char			*p;

	for (i = 0; i < ymap_len(map); i++) {
		k = ymap_key(map, i);
		if (k->kind != YN_SCALAR)
			continue;
		if (!strmap_get(&seen, k->str, &j)) {
			strmap_put(&seen, k->str, i);
			continue;
		}
		first = ymap_key(map, j);
		p = cfg_printable(k->str, 64);
		cfg_errn(errs, file, k, "duplicate %s '%s' (first at line "
		    "%d, column %d)", what, p, first->line, first->col);
		free(p);
		ndup++;
	}
	strmap_free(&seen);
	return ndup;
}

