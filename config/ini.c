/* Ansible INI inventories, read the way Ansible's ini plugin reads them:
 * host lines (a host pattern, then key=value vars split and unquoted like
 * shlex, values typed like ast.literal_eval), [group], [group:vars],
 * [group:children] (children may be declared before their own section),
 * '#' and ';' comments. Each problem is an error at file:line:column and
 * reading goes on, where Ansible stops at the first. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "config/internal.h"

#define INI_MAX_TOKENS	4096	/* words on one host line */

enum ini_state { INI_HOSTS, INI_VARS, INI_CHILDREN };

/* A group named before its section: [x:vars] or listed as a child. */
struct ini_pending {
	char		*name;		/* the group (owned) */
	int		 children;	/* listed as a child, else [x:vars] */
	size_t		*parents;	/* groups that list it as a child */
	size_t		 nparents;
	struct iloc	 loc;		/* first mention */
	size_t		 last;		/* parent of the last mention */
};

/* Reader state for one file. */
struct ini {
	struct inventory	*inv;		/* the builder */
	size_t			 group;		/* current section's group */
	enum ini_state		 state;		/* what lines mean */
	struct ini_pending	*pend;		/* groups not yet defined */
	size_t			 npend;
	int			 line;		/* 1-based line number */
	int			 col;		/* column of the line's text */
};

/* An error at the current line. */
static void
ini_err(struct ini *in, const char *fmt, const char *arg)
{
	char	*p = cfg_printable(arg, 80);

	cfg_err(in->inv->errs, in->inv->file, in->line, in->col, fmt, p);
	free(p);
}

/* Does the text look like an INI inventory (a [section] line first)? */
int
ini_looks_like(const char *text, size_t len)
{
	const char	*p = text, *end = text + len;

	while (p < end) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p < end && (*p == '#' || *p == ';')) {
			while (p < end && *p != '\n')
				p++;
			continue;
		}
		return p < end && *p == '[';
	}
	return 0;
}

/* The pending entry for a group name, or NULL. */
static struct ini_pending *
ini_pending(struct ini *in, const char *name)
{
	size_t	 i;

	for (i = 0; i < in->npend; i++)
		if (in->pend[i].name != NULL &&
		    strcmp(in->pend[i].name, name) == 0)
			return &in->pend[i];
	return NULL;
}

/* Remember a group mentioned before its own section. */
static struct ini_pending *
ini_pend(struct ini *in, const char *name, int children)
{
	struct ini_pending	*p;

	in->pend = xreallocarray(in->pend, in->npend + 1, sizeof *in->pend);
	p = &in->pend[in->npend++];
	memset(p, 0, sizeof *p);
	p->name = xstrdup(name);
	p->children = children;
	p->loc.file = in->inv->file;
	p->loc.line = in->line;
	p->loc.col = in->col;
	return p;
}

/* Forget a pending entry. */
static void
ini_unpend(struct ini_pending *p)
{
	free(p->name);
	free(p->parents);
	p->name = NULL;
	p->parents = NULL;
}

/* A group now defined: link the parents that listed it, and theirs, as
 * _add_pending_children() does. Iterative: names come from the file. */
static void
ini_resolve(struct ini *in, const char *name)
{
	struct ini_pending	*p;
	size_t			 g, i, *todo = NULL, ntodo = 0;
	struct iloc		 at;

	if ((p = ini_pending(in, name)) == NULL)
		return;
	if (!p->children) {
		ini_unpend(p);
		return;
	}
	strmap_get(&in->inv->gmap, name, &g);
	todo = xreallocarray(NULL, 1, sizeof *todo);
	todo[ntodo++] = g;
	while (ntodo > 0) {
		g = todo[--ntodo];
		if ((p = ini_pending(in, in->inv->groups[g].name)) == NULL ||
		    !p->children)
			continue;
		at = p->loc;
		for (i = 0; i < p->nparents; i++) {
			inventory_edge(in->inv, p->parents[i], g, &at);
			todo = xreallocarray(todo, ntodo + 1, sizeof *todo);
			todo[ntodo++] = p->parents[i];
		}
		ini_unpend(p);
	}
	free(todo);
}

/* "[name]" or "[name:type]", with an optional trailing comment. Returns
 * 1 when the line is a section, 0 when not, -1 after an error. */
static int
ini_section(struct ini *in, const char *line)
{
	const char	*p = line + 1, *type = NULL, *end;
	char		*name, *t;
	size_t		 nlen, tlen = 0;
	struct iloc	 at = { in->inv->file, in->line, in->col };

	if (*line != '[')
		return 0;
	nlen = strcspn(p, ":] \t\r\n\v\f");
	end = p + nlen;
	if (*end == ':') {
		type = end + 1;
		while (isalnum((unsigned char)type[tlen]) || type[tlen] == '_' ||
		    (unsigned char)type[tlen] >= 0x80)
			tlen++;
		end = type + tlen;
	}
	if (nlen == 0 || *end != ']' || (type && tlen == 0) ||
	    (end[1 + strspn(end + 1, " \t")] != '\0' &&
	    end[1 + strspn(end + 1, " \t")] != '#')) {
		if (line[strlen(line) - 1] == ']') {
			ini_err(in, "invalid section entry '%s': no spaces or "
			    "other characters allowed in a section name", line);
			return -1;
		}
		return 0;
	}
	name = xstrndup(p, nlen);
	t = type ? xstrndup(type, tlen) : xstrdup("hosts");
	if (strcmp(t, "hosts") == 0)
		in->state = INI_HOSTS;
	else if (strcmp(t, "vars") == 0)
		in->state = INI_VARS;
	else if (strcmp(t, "children") == 0)
		in->state = INI_CHILDREN;
	else {
		ini_err(in, "section [%s] has an unknown type (hosts, vars or "
		    "children)", line + 1);
		free(name);
		free(t);
		return -1;
	}
	if (!strmap_get(&in->inv->gmap, name, &in->group)) {
		if (in->state == INI_VARS && ini_pending(in, name) == NULL)
			ini_pend(in, name, 0);
		in->group = inventory_group(in->inv, name, &at);
	}
	if (in->state != INI_VARS)
		ini_resolve(in, name);
	free(name);
	free(t);
	return 1;
}

/* Split a host line like shlex.split(line, comments=True): words split
 * on whitespace, '...' literal, "..." with \\ and \" escapes, \x outside
 * quotes, '#' starts a comment. Returns the count, or -1 (unclosed
 * quote). Caller frees. */
static int
ini_shlex(const char *s, char ***out)
{
	struct buf	 w = { 0 };
	char		 q = 0;
	int		 n = 0, inword = 0;

	*out = NULL;
	for (;; s++) {
		if (q == 0 && (*s == '\0' || isspace((unsigned char)*s) ||
		    *s == '#')) {
			if (inword && n < INI_MAX_TOKENS) {
				*out = xreallocarray(*out, n + 1, sizeof **out);
				(*out)[n++] = buf_steal(&w);
			}
			inword = 0;
			if (*s == '\0' || *s == '#')
				break;
			continue;
		}
		if (*s == '\0') {
			buf_free(&w);
			while (n > 0)
				free((*out)[--n]);
			free(*out);
			*out = NULL;
			return -1;
		}
		inword = 1;
		if (q == 0 && (*s == '\'' || *s == '"'))
			q = *s;
		else if (q != 0 && *s == q)
			q = 0;
		else if (q == 0 && *s == '\\' && s[1] != '\0')
			buf_append(&w, ++s, 1);
		else if (q == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
			buf_append(&w, ++s, 1);
		else
			buf_append(&w, s, 1);
	}
	buf_free(&w);
	return n;
}

/* Set one key=value on host h. Returns -1 when the var bound is hit. */
static int
ini_hostvar(struct ini *in, size_t h, const char *tok)
{
	const char	*eq = strchr(tok, '=');
	struct iloc	 at = { in->inv->file, in->line, in->col };
	char		*key, *text, *json;
	int		 flags = 0, rc;

	key = xstrndup(tok, (size_t)(eq - tok));
	pylit_value(eq + 1, &text, &json);
	if (strstr(text, "{{") || strstr(text, "{%") || strstr(text, "{#"))
		flags |= IVAR_JINJA;
	rc = inventory_set(in->inv, &in->inv->hosts[h].vars, NOGROUP, key,
	    text, json, flags, &at);
	free(key);
	return rc;
}

/* A host line: a pattern, then key=value words. */
static void
ini_host_line(struct ini *in, const char *line)
{
	struct iloc	 at = { in->inv->file, in->line, in->col };
	char		**tok, **names, *json;
	size_t		 h;
	int		 nt, n, i, j, port, isnew;

	if ((nt = ini_shlex(line, &tok)) == -1) {
		ini_err(in, "cannot split host line '%s': no closing quotation",
		    line);
		return;
	}
	if (nt == 0 || tok[0][0] == '\0') {
		ini_err(in, "empty host name in '%s'", line);
		nt = -nt;
	}
	for (j = 1; j < nt; j++)
		if (strchr(tok[j], '=') == NULL) {
			ini_err(in, "expected key=value host variable, not "
			    "'%s'", tok[j]);
			nt = -nt;
			break;
		}
	if (nt > 0 && (n = inventory_hostkey(in->inv, tok[0], &at, &names,
	    &port)) >= 0) {
		if (port == 0 && tok[0][strlen(tok[0]) - 1] == ':')
			ini_err(in, "host pattern '%s' ends in ':', which is "
			    "kept for a port", tok[0]);
		for (i = 0; port != 0 || tok[0][strlen(tok[0]) - 1] != ':' ?
		    i < n : 0; i++) {
			isnew = !strmap_get(&in->inv->hmap, names[i], &h);
			if ((h = inventory_host(in->inv, names[i], &at)) ==
			    NOGROUP)
				break;
			if (port != 0 && isnew) {
				xasprintf(&json, "%d", port);
				inventory_set(in->inv, &in->inv->hosts[h].vars,
				    NOGROUP, "ansible_port", xstrdup(json),
				    json, 0, &at);
			}
			inventory_member(in->inv, in->group, h);
			for (j = 1; j < nt; j++)
				if (ini_hostvar(in, h, tok[j]) == -1)
					break;
		}
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	for (j = 0; j < (nt < 0 ? -nt : nt); j++)
		free(tok[j]);
	free(tok);
}

/* A [group:vars] line: key = value. */
static void
ini_var_line(struct ini *in, const char *line)
{
	const char	*eq = strchr(line, '=');
	struct iloc	 at = { in->inv->file, in->line, in->col };
	char		*key, *text, *json, *v;
	size_t		 klen;
	int		 flags = 0;

	if (eq == NULL) {
		ini_err(in, "expected key=value, not '%s'", line);
		return;
	}
	klen = (size_t)(eq - line);
	while (klen > 0 && isspace((unsigned char)line[klen - 1]))
		klen--;
	key = xstrndup(line, klen);
	v = xstrdup(eq + 1);
	pylit_value(v, &text, &json);
	if (strstr(text, "{{") || strstr(text, "{%") || strstr(text, "{#"))
		flags |= IVAR_JINJA;
	inventory_set(in->inv, &in->inv->groups[in->group].vars, in->group,
	    key, text, json, flags, &at);
	free(key);
	free(v);
}

/* A [group:children] line: one group name, maybe not defined yet. */
static void
ini_child_line(struct ini *in, const char *line)
{
	struct ini_pending	*p;
	struct iloc		 at = { in->inv->file, in->line, in->col };
	size_t			 len = strcspn(line, ":] \t\v\f\r\n"), child;
	const char		*rest = line + len;
	char			*name;

	rest += strspn(rest, " \t\v\f\r");
	if (len == 0 || (*rest != '\0' && *rest != '#')) {
		ini_err(in, "expected a group name, not '%s'", line);
		return;
	}
	name = xstrndup(line, len);
	if (strmap_get(&in->inv->gmap, name, &child)) {
		if (child == in->group)
			ini_err(in, "group '%s' cannot be its own child", name);
		else
			inventory_edge(in->inv, in->group, child, &at);
	} else {
		if ((p = ini_pending(in, name)) == NULL)
			p = ini_pend(in, name, 1);
		p->parents = xreallocarray(p->parents, p->nparents + 1,
		    sizeof *p->parents);
		p->parents[p->nparents++] = in->group;
		p->last = in->group;
	}
	free(name);
}

/* One line of the file, already stripped. */
static void
ini_line(struct ini *in, const char *line)
{
	if (*line == '\0' || *line == '#' || *line == ';')
		return;
	if (ini_section(in, line) != 0)
		return;
	if (in->state == INI_HOSTS)
		ini_host_line(in, line);
	else if (in->state == INI_VARS)
		ini_var_line(in, line);
	else
		ini_child_line(in, line);
}

/* Groups still pending at the end are errors, as in Ansible. */
static void
ini_finish(struct ini *in)
{
	struct ini_pending	*p;
	size_t			 i;

	for (i = 0; i < in->npend; i++) {
		p = &in->pend[i];
		if (p->name == NULL)
			continue;
		if (p->children)
			cfg_err(in->inv->errs, p->loc.file, p->loc.line,
			    p->loc.col, "section [%s:children] includes "
			    "undefined group '%s'",
			    in->inv->groups[p->last].name, p->name);
		else
			cfg_err(in->inv->errs, p->loc.file, p->loc.line,
			    p->loc.col, "section [%s:vars] is not valid for "
			    "undefined group '%s'", p->name, p->name);
		ini_unpend(p);
	}
	free(in->pend);
}

/* Read an INI inventory already in memory. */
void
ini_load(struct inventory *inv, const char *text, size_t len)
{
	struct ini	 in = { 0 };
	const char	*p = text, *end = text + len, *eol;
	char		*line;
	size_t		 n, lead;

	in.inv = inv;
	in.group = 1;	/* "ungrouped" */
	in.state = INI_HOSTS;
	while (p < end) {
		eol = p;
		while (eol < end && *eol != '\n' && *eol != '\r')
			eol++;
		in.line++;
		lead = 0;
		while (p + lead < eol && isspace((unsigned char)p[lead]))
			lead++;
		n = (size_t)(eol - p) - lead;
		while (n > 0 && isspace((unsigned char)p[lead + n - 1]))
			n--;
		line = xstrndup(p + lead, n);
		in.col = (int)lead + 1;
		if (strlen(line) != n)
			ini_err(&in, "line holds a NUL byte: '%s'", line);
		else
			ini_line(&in, line);
		free(line);
		p = eol + (eol < end && *eol == '\r' && eol + 1 < end &&
		    eol[1] == '\n') + (eol < end);
	}
	ini_finish(&in);
}
