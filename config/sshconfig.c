/* ssh_config(5) for the options rollcall uses. The file (and every file it
 * includes) is read once into a flat list of items; a lookup walks the list
 * as ssh(1) does: Host and Match lines switch the following options on or
 * off, the first value obtained for an option wins, and an included file is
 * bracketed by push/pop items so it starts active and the including block's
 * state comes back after it. Other options are ignored with a debug line. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "config/internal.h"
#include "config/sshconfig.h"

#define SC_MAX_FILE	(1024 * 1024)	/* bytes per file */
#define SC_MAX_DEPTH	16		/* Include nesting, as OpenSSH */
#define SC_MAX_ITEMS	200000		/* items over all files */
#define SC_MAX_FILES	256		/* files read, includes counted */
#define SC_MAX_ARGS	256		/* arguments on one line */

enum sc_kw {
	KW_HOSTNAME,		/* options rollcall uses, in set bit order */
	KW_USER,
	KW_PORT,
	KW_IDENTITY,
	KW_PROXYJUMP,
	KW_KNOWNHOSTS,
	KW_TIMEOUT,
	KW_HOST,		/* structure */
	KW_MATCH,
	KW_INCLUDE,
	KW_OTHER,		/* anything else: ignored */
};

static const struct {
	const char	*name;		/* lower case, as compared */
	enum sc_kw	 kw;
} sc_keywords[] = {
	{ "hostname", KW_HOSTNAME },
	{ "user", KW_USER },
	{ "port", KW_PORT },
	{ "identityfile", KW_IDENTITY },
	{ "proxyjump", KW_PROXYJUMP },
	{ "userknownhostsfile", KW_KNOWNHOSTS },
	{ "connecttimeout", KW_TIMEOUT },
	{ "host", KW_HOST },
	{ "match", KW_MATCH },
	{ "include", KW_INCLUDE },
};

enum sc_op {
	SC_SET,			/* an option */
	SC_HOST,		/* Host patterns */
	SC_MATCH,		/* Match criteria */
	SC_PUSH,		/* an included file starts */
	SC_POP,			/* it ends */
	SC_INERT,		/* a line in error, kept only to be freed */
};

/* One line that matters, or an include bracket. */
struct sc_item {
	enum sc_op	 op;		/* what it is */
	enum sc_kw	 kw;		/* SC_SET: which option */
	char		**argv;		/* arguments, lower-cased for Host */
	size_t		 argc;
	int64_t		 num;		/* Port; ConnectTimeout ms, -1 none */
};

struct sshcfg {
	struct sc_item	*items;		/* every file, includes inlined */
	size_t		 n;
	size_t		 cap;
	size_t		 nfiles;	/* files read, for the bound */
	const char	*home;		/* for ~ in Include */
};

/* The state of one file being read. */
struct sc_reader {
	struct sshcfg		*cfg;		/* being filled */
	struct cfg_errors	*errs;		/* problems go here */
	const char		*file;		/* for messages */
	int			 line;		/* current line, 1-based */
	int			 flags;		/* SSHCFG_* */
	int			 depth;		/* Include nesting */
	const char		*incdir;	/* relative Include base */
};

static void	sc_parse_text(struct sc_reader *, const char *, size_t);

/* Lower-case a string in place. */
static void
sc_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* OpenSSH's wildcard match: '*' any run, '?' one character. Linear
 * backtracking to the last star, so no pattern can make it slow. */
static int
sc_match_pattern(const char *s, const char *p)
{
	const char	*star = NULL, *mark = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			mark = s;
		} else if (*p == '?' || *p == *s) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++mark;
		} else
			return 0;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* See sshconfig.h: comma-separated patterns, '!' negates. */
int
sshcfg_match_list(const char *s, const char *list)
{
	char	*copy, *p, *tok;
	int	 got = 0, neg;

	copy = xstrdup(list);
	for (p = copy; (tok = strsep(&p, ",")) != NULL;) {
		neg = *tok == '!';
		if (sc_match_pattern(s, tok + neg)) {
			if (neg) {
				got = -1;
				break;
			}
			got = 1;
		}
	}
	free(copy);
	return got;
}

/* Free an argument vector. */
static void
sc_argv_free(char **argv, size_t argc)
{
	size_t	 i;

	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/* Split the arguments as OpenSSH's argv_split: blanks separate, quotes
 * group, a backslash escapes a quote, a backslash or (unquoted) a blank,
 * and a word starting with '#' ends the line. -1 on an open quote. */
static int
sc_split(const char *s, char ***argvp, size_t *argcp)
{
	char	**argv = NULL, *arg;
	size_t	 argc = 0, j;
	char	 quote;

	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0' || *s == '#' || argc == SC_MAX_ARGS)
			break;
		arg = xmalloc(strlen(s) + 1);
		for (j = 0, quote = 0; *s != '\0'; s++) {
			if (*s == '\\' && (s[1] == '\'' || s[1] == '"' ||
			    s[1] == '\\' || (quote == 0 && s[1] == ' ')))
				arg[j++] = *++s;
			else if (quote == 0 && (*s == ' ' || *s == '\t'))
				break;
			else if (quote == 0 && (*s == '"' || *s == '\''))
				quote = *s;
			else if (quote != 0 && *s == quote)
				quote = 0;
			else
				arg[j++] = *s;
		}
		arg[j] = '\0';
		argv = xreallocarray(argv, argc + 1, sizeof *argv);
		argv[argc++] = arg;
		if (quote != 0) {
			sc_argv_free(argv, argc);
			return -1;
		}
	}
	*argvp = argv;
	*argcp = argc;
	return 0;
}

/* Append an item (takes the arguments). */
static struct sc_item *
sc_add(struct sc_reader *rd, enum sc_op op, enum sc_kw kw, char **argv,
    size_t argc)
{
	struct sshcfg	*c = rd->cfg;
	struct sc_item	*it;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->items = xreallocarray(c->items, c->cap, sizeof *c->items);
	}
	it = &c->items[c->n++];
	memset(it, 0, sizeof *it);
	it->op = op;
	it->kw = kw;
	it->argv = argv;
	it->argc = argc;
	return it;
}

/* OpenSSH time format: "90", "1m30s", "2h"; units s m h d w. -1 if bad. */
static int64_t
sc_convtime(const char *s)
{
	int64_t	 total = 0, n, mult;
	char	*end;

	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		if (!isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno != 0 || n > 100000000)
			return -1;
		switch (tolower((unsigned char)*end)) {
		case '\0': mult = 1; end--; break;
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		case 'w': mult = 604800; break;
		default: return -1;
		}
		total += n * mult;
		if (total > 100000000)
			return -1;
		s = end + 1;
	}
	return total;
}

/* Are the %-tokens of a value ones we can expand? ok names the letters. */
static int
sc_tokens_ok(const char *v, const char *ok)
{
	for (; *v != '\0'; v++)
		if (*v == '%' && (v[1] == '\0' || strchr(ok, v[1]) == NULL))
			return 0;
		else if (*v == '%')
			v++;
	return 1;
}

#define SC_PATH_TOKENS	"%dhnpru"	/* IdentityFile, UserKnownHostsFile */

/* Check an option's value once, at load, so lookups cannot fail. */
static int
sc_check_value(struct sc_reader *rd, struct sc_item *it)
{
	const char	*v = it->argv[0];

	switch (it->kw) {
	case KW_PORT:
		it->num = sc_convtime(v);	/* digits only pass */
		if (strspn(v, "0123456789") != strlen(v) || it->num < 1 ||
		    it->num > 65535)
			return cfg_err(rd->errs, rd->file, rd->line, 1,
			    "Port: bad port number '%s'", v), -1;
		return 0;
	case KW_TIMEOUT:
		if (strcasecmp(v, "none") == 0)
			it->num = -1;
		else if ((it->num = sc_convtime(v)) < 0)
			return cfg_err(rd->errs, rd->file, rd->line, 1,
			    "ConnectTimeout: bad time '%s'", v), -1;
		else
			it->num *= 1000;
		return 0;
	case KW_HOSTNAME:
		if (!sc_tokens_ok(v, "%h"))
			return cfg_err(rd->errs, rd->file, rd->line, 1,
			    "HostName: only %%h and %%%% may be used in '%s'",
			    v), -1;
		return 0;
	case KW_IDENTITY:
	case KW_KNOWNHOSTS:
		if (!sc_tokens_ok(v, SC_PATH_TOKENS))
			return cfg_err(rd->errs, rd->file, rd->line, 1,
			    "%s: unsupported %%-token in '%s' (rollcall "
			    "expands %%d %%h %%n %%p %%r %%u %%%%)", it->kw ==
			    KW_IDENTITY ? "IdentityFile" : "UserKnownHostsFile",
			    v), -1;
		return 0;
	default:
		return 0;
	}
}

/* Read one file into memory, regular files only. NULL with err set. */
static char *
sc_read_file(const char *path, size_t *lenp, char *err, size_t errlen)
{
	struct stat	 st;
	char		*data;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > SC_MAX_FILE) {
		snprintf(err, errlen, "not a regular file of at most %d bytes",
		    SC_MAX_FILE);
		close(fd);
		return NULL;
	}
	data = xmalloc((size_t)st.st_size + 1);
	n = read(fd, data, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		snprintf(err, errlen, "short read");
		free(data);
		return NULL;
	}
	data[n] = '\0';
	*lenp = (size_t)n;
	return data;
}

/* Read an included file between push and pop items. */
static void
sc_include_file(struct sc_reader *rd, const char *path)
{
	struct sc_reader	 sub = *rd;
	char			*data, err[256];
	size_t			 len;

	if (++rd->cfg->nfiles > SC_MAX_FILES) {
		cfg_err(rd->errs, rd->file, rd->line, 1, "Include: more than "
		    "%d files", SC_MAX_FILES);
		return;
	}
	if ((data = sc_read_file(path, &len, err, sizeof err)) == NULL) {
		cfg_err(rd->errs, rd->file, rd->line, 1, "Include %s: %s",
		    path, err);
		return;
	}
	sub.file = path;
	sub.line = 0;
	sub.depth = rd->depth + 1;
	sc_add(rd, SC_PUSH, KW_OTHER, NULL, 0);
	sc_parse_text(&sub, data, len);
	sc_add(rd, SC_POP, KW_OTHER, NULL, 0);
	free(data);
}

/* Include: each argument a glob, ~ expanded, relative to the directory
 * OpenSSH uses (~/.ssh for user files, /etc/ssh for system ones); a
 * pattern that matches nothing is not an error, as in OpenSSH. */
static void
sc_include(struct sc_reader *rd, char **argv, size_t argc)
{
	glob_t	 g;
	char	*pat;
	size_t	 i, j;

	if (rd->flags & SSHCFG_NO_INCLUDE) {
		cfg_err(rd->errs, rd->file, rd->line, 1, "Include is not "
		    "allowed here");
		return;
	}
	if (rd->depth >= SC_MAX_DEPTH) {
		cfg_err(rd->errs, rd->file, rd->line, 1, "Include nested "
		    "more than %d deep", SC_MAX_DEPTH);
		return;
	}
	for (i = 0; i < argc; i++) {
		pat = cfg_expand_path(argv[i], rd->incdir);
		memset(&g, 0, sizeof g);
		if (glob(pat, 0, NULL, &g) == 0)
			for (j = 0; j < g.gl_pathc; j++)
				sc_include_file(rd, g.gl_pathv[j]);
		else
			log_debug("%s:%d: Include %s matches no file",
			    rd->file, rd->line, pat);
		globfree(&g);
		free(pat);
	}
}

/* Which keyword is this (case-insensitive)? */
static enum sc_kw
sc_keyword(const char *word)
{
	size_t	 i;

	for (i = 0; i < sizeof sc_keywords / sizeof sc_keywords[0]; i++)
		if (strcasecmp(word, sc_keywords[i].name) == 0)
			return sc_keywords[i].kw;
	return KW_OTHER;
}

/* Match criteria: check names and arity at load so lookups can trust
 * them. "all" stands alone; others take one argument. */
static int
sc_check_match(struct sc_reader *rd, char **argv, size_t argc)
{
	static const char *const takes_arg[] = { "host", "originalhost",
	    "user", "localuser", "exec", "localnetwork", "tagged" };
	const char	*a;
	size_t		 i, k;

	for (i = 0; i < argc; i++) {
		a = argv[i] + (argv[i][0] == '!');
		if (strcasecmp(a, "all") == 0 || strcasecmp(a, "canonical") ==
		    0 || strcasecmp(a, "final") == 0)
			continue;
		for (k = 0; k < sizeof takes_arg / sizeof takes_arg[0]; k++)
			if (strcasecmp(a, takes_arg[k]) == 0)
				break;
		if (k == sizeof takes_arg / sizeof takes_arg[0])
			return cfg_err(rd->errs, rd->file, rd->line, 1,
			    "Match: unknown criterion '%s'", a), -1;
		if (++i == argc)
			return cfg_err(rd->errs, rd->file, rd->line, 1,
			    "Match %s: missing argument", a), -1;
	}
	return 0;
}

/* One line: keyword, optional '=', arguments. */
static void
sc_parse_line(struct sc_reader *rd, char *s)
{
	char		**argv, *kw;
	size_t		  argc;
	enum sc_kw	  k;
	struct sc_item	 *it;

	s += strspn(s, " \t\f");
	if (*s == '\0' || *s == '#')
		return;
	kw = s;
	s += strcspn(s, " \t\f=");
	if (*s != '\0') {
		*s++ = '\0';
		s += strspn(s, " \t\f");
		if (*s == '=')
			s += 1 + strspn(s + 1, " \t\f");
	}
	if (sc_split(s, &argv, &argc) == -1) {
		cfg_err(rd->errs, rd->file, rd->line, 1, "%s: unterminated "
		    "quote", kw);
		return;
	}
	if (argc == 0) {
		cfg_err(rd->errs, rd->file, rd->line, 1, "%s: missing "
		    "argument", kw);
		sc_argv_free(argv, argc);
		return;
	}
	switch ((k = sc_keyword(kw))) {
	case KW_OTHER:
		log_debug("%s:%d: %s: ignored (rollcall does not use it)",
		    rd->file, rd->line, kw);
		sc_argv_free(argv, argc);
		return;
	case KW_INCLUDE:
		sc_include(rd, argv, argc);
		sc_argv_free(argv, argc);
		return;
	case KW_HOST:
		sc_add(rd, SC_HOST, k, argv, argc);
		return;
	case KW_MATCH:
		if (sc_check_match(rd, argv, argc) == -1) {
			sc_argv_free(argv, argc);
			return;
		}
		sc_add(rd, SC_MATCH, k, argv, argc);
		return;
	default:
		it = sc_add(rd, SC_SET, k, argv, argc);
		if (sc_check_value(rd, it) == -1)
			it->op = SC_INERT;
	}
}

/* Parse text line by line; NUL bytes end a line's useful part. */
static void
sc_parse_text(struct sc_reader *rd, const char *text, size_t len)
{
	const char	*p = text, *end = text + len, *nl;
	char		*line;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		rd->line++;
		if (rd->cfg->n < SC_MAX_ITEMS) {
			line = xmalloc((size_t)(nl - p) + 1);
			memcpy(line, p, (size_t)(nl - p));
			line[nl - p] = '\0';
			if (nl > p && line[nl - p - 1] == '\r')
				line[nl - p - 1] = '\0';
			sc_parse_line(rd, line);
			free(line);
		} else {
			cfg_err(rd->errs, rd->file, rd->line, 1, "more than %d "
			    "lines that matter", SC_MAX_ITEMS);
			break;
		}
		p = nl + 1;
	}
}

/* See sshconfig.h. */
struct sshcfg *
sshcfg_parse(const char *text, size_t len, const char *file, int flags,
    struct cfg_errors *errs)
{
	struct sshcfg	*c;
	struct sc_reader rd;
	size_t		 nerr = errs->n;
	char		*base;

	c = xcalloc(1, sizeof *c);
	c->nfiles = 1;
	base = strncmp(file, "/etc/ssh/", 9) == 0 ? xstrdup("/etc/ssh") :
	    cfg_expand_path("~/.ssh", NULL);
	memset(&rd, 0, sizeof rd);
	rd.cfg = c;
	rd.errs = errs;
	rd.file = file;
	rd.flags = flags;
	rd.incdir = base;
	sc_parse_text(&rd, text, len);
	free(base);
	if (errs->n != nerr) {
		sshcfg_free(c);
		return NULL;
	}
	return c;
}

/* See sshconfig.h. */
struct sshcfg *
sshcfg_load(const char *path, struct cfg_errors *errs)
{
	struct sshcfg	*c;
	char		*data, err[256];
	size_t		 len;

	if ((data = sc_read_file(path, &len, err, sizeof err)) == NULL) {
		cfg_err(errs, path, 0, 0, "cannot read ssh config: %s", err);
		return NULL;
	}
	c = sshcfg_parse(data, len, path, 0, errs);
	free(data);
	return c;
}

/* Free the parsed file. */
void
sshcfg_free(struct sshcfg *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		sc_argv_free(c->items[i].argv, c->items[i].argc);
	free(c->items);
	free(c);
}

/* Lookup state: what the walk has obtained so far. */
struct sc_walk {
	const char		*host;		/* the name given, as given */
	const char		*lower;		/* the same in lower case: %h */
	const char		*local_user;	/* for Match localuser */
	struct sshcfg_host	*out;		/* being filled */
	unsigned		 set;		/* options obtained, by sc_kw */
};

/* Does a Host line match? Any positive pattern, and no negated one. As
 * in ssh(1), the name is compared as given, case and all. */
static int
sc_host_matches(const struct sc_walk *w, const struct sc_item *it)
{
	size_t	 i;
	int	 hit = 0, neg;

	for (i = 0; i < it->argc; i++) {
		neg = it->argv[i][0] == '!';
		if (sc_match_pattern(w->host, it->argv[i] + neg)) {
			if (neg)
				return 0;
			hit = 1;
		}
	}
	return hit;
}

/* A host name against a Match pattern list, case-insensitively. */
static int
sc_match_host(const char *host, const char *list)
{
	char	*l = xstrdup(list);
	int	 rc;

	sc_lower(l);
	rc = sshcfg_match_list(host, l) == 1;
	free(l);
	return rc;
}

/* One Match criterion with its argument: 1 true, 0 false. Unlike Host,
 * Match compares host names in lower case, as ssh(1) does. */
static int
sc_criterion(const struct sc_walk *w, const char *name, const char *arg)
{
	const struct sshcfg_host *o = w->out;

	if (strcasecmp(name, "host") == 0)
		return sc_match_host(o->hostname != NULL ? o->hostname :
		    w->lower, arg);
	if (strcasecmp(name, "originalhost") == 0)
		return sc_match_host(w->lower, arg);
	if (strcasecmp(name, "user") == 0)
		return sshcfg_match_list(o->user != NULL ? o->user :
		    w->local_user, arg) == 1;
	if (strcasecmp(name, "localuser") == 0)
		return sshcfg_match_list(w->local_user, arg) == 1;
	log_debug("ssh config: Match %s is not evaluated by rollcall; the "
	    "block does not match", name);
	return 0;
}

/* Does a Match line match? Every criterion must hold ("all" does). */
static int
sc_match_matches(const struct sc_walk *w, const struct sc_item *it)
{
	const char	*a;
	size_t		 i;
	int		 ok = 1, neg, r;

	for (i = 0; i < it->argc; i++) {
		neg = it->argv[i][0] == '!';
		a = it->argv[i] + neg;
		if (strcasecmp(a, "all") == 0)
			r = 1;
		else if (strcasecmp(a, "canonical") == 0 ||
		    strcasecmp(a, "final") == 0) {
			log_debug("ssh config: Match %s is not evaluated by "
			    "rollcall; the block does not match", a);
			r = 0;
			neg = 0;
		} else
			r = sc_criterion(w, a, it->argv[++i]);
		if (r == neg)
			ok = 0;
	}
	return ok;
}

/* HostName with %h and %% expanded. */
static char *
sc_expand_hostname(const char *v, const char *host)
{
	struct buf	 b = { 0 };
	char		*s;

	for (; *v != '\0'; v++) {
		if (*v == '%' && v[1] == 'h') {
			buf_append(&b, host, strlen(host));
			v++;
		} else if (*v == '%' && v[1] == '%') {
			buf_append(&b, "%", 1);
			v++;
		} else
			buf_append(&b, v, 1);
	}
	s = xstrdup(buf_str(&b));
	buf_free(&b);
	return s;
}

/* Take an option's value unless an earlier one was obtained. */
static void
sc_set(struct sc_walk *w, const struct sc_item *it)
{
	struct sshcfg_host	*o = w->out;
	const char		*v = it->argv[0];

	if (w->set & (1u << it->kw))
		return;
	w->set |= 1u << it->kw;
	switch (it->kw) {
	case KW_HOSTNAME:
		o->hostname = sc_expand_hostname(v, w->lower);
		break;
	case KW_USER:
		o->user = xstrdup(v);
		break;
	case KW_PORT:
		o->port = (int)it->num;
		break;
	case KW_IDENTITY:
		o->identity = xstrdup(v);
		break;
	case KW_PROXYJUMP:
		o->proxy_jump = xstrdup(v);
		break;
	case KW_KNOWNHOSTS:
		o->known_hosts = xstrdup(v);
		break;
	case KW_TIMEOUT:
		o->connect_timeout_ms = it->num;
		break;
	default:
		break;
	}
}

/* See sshconfig.h. Include brackets save and restore whether options
 * apply; inside an include read from an inactive block nothing applies. */
void
sshcfg_lookup(const struct sshcfg *c, const char *host,
    const char *local_user, struct sshcfg_host *out)
{
	struct { int active, never; } stack[SC_MAX_DEPTH + 1];
	struct sc_walk	 w;
	char		*h = xstrdup(host);
	int		 sp = 0, active = 1, never = 0;
	size_t		 i;

	memset(out, 0, sizeof *out);
	out->connect_timeout_ms = -1;
	sc_lower(h);
	w.host = host;
	w.lower = h;
	w.local_user = local_user;
	w.out = out;
	w.set = 0;
	for (i = 0; i < c->n; i++) {
		const struct sc_item	*it = &c->items[i];

		switch (it->op) {
		case SC_PUSH:
			stack[sp].active = active;
			stack[sp++].never = never;
			never = never || !active;
			active = !never;
			break;
		case SC_POP:
			active = stack[--sp].active;
			never = stack[sp].never;
			break;
		case SC_HOST:
			active = !never && sc_host_matches(&w, it);
			break;
		case SC_MATCH:
			active = !never && sc_match_matches(&w, it);
			break;
		case SC_SET:
			if (active)
				sc_set(&w, it);
			break;
		case SC_INERT:
			break;
		}
	}
	free(h);
}

/* Free what a lookup filled. */
void
sshcfg_host_clear(struct sshcfg_host *o)
{
	free(o->hostname);
	free(o->user);
	free(o->identity);
	free(o->proxy_jump);
	free(o->known_hosts);
	memset(o, 0, sizeof *o);
	o->connect_timeout_ms = -1;
}

/* See sshconfig.h: ~ at the start, and %d %h %n %p %r %u %%. */
char *
sshcfg_expand(const char *path, const struct sshcfg_tokens *t, char *err,
    size_t errlen)
{
	struct buf	 b = { 0 };
	char		 port[16], *s;
	const char	*v;

	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0')) {
		buf_append(&b, t->home, strlen(t->home));
		path++;
	}
	snprintf(port, sizeof port, "%d", t->port);
	for (; *path != '\0'; path++) {
		if (*path != '%') {
			buf_append(&b, path, 1);
			continue;
		}
		switch (*++path) {
		case '%': v = "%"; break;
		case 'd': v = t->home; break;
		case 'h': v = t->host; break;
		case 'n': v = t->original; break;
		case 'p': v = port; break;
		case 'r': v = t->user; break;
		case 'u': v = t->local_user; break;
		default:
			snprintf(err, errlen, "unknown %%-token in '%s'", path - 1);
			buf_free(&b);
			return NULL;
		}
		buf_append(&b, v, strlen(v));
	}
	s = xstrdup(buf_str(&b));
	buf_free(&b);
	return s;
}
