/* The `cluster:` block: parsed and validated here, used by cluster/. The
 * password lives only in password_file; a conninfo that carries one is an
 * error, so it can never reach a log line, `status` or the process title. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "config/cluster.h"
#include "config/internal.h"

#define CLUSTER_NAME_MAX	64	/* node and segment names */
#define CLUSTER_PASS_MAX	1024	/* bytes of a password file read */

/* Free a cluster block; NULL is fine. */
void
cluster_config_free(struct cluster_config *cc)
{
	if (cc == NULL)
		return;
	free(cc->postgres);
	free(cc->password_file);
	free(cc->node);
	free(cc->segment);
	free(cc);
}

/* Does a conninfo carry a password (keyword form or URI userinfo)? */
static int
cluster_has_password(const char *s)
{
	const char	*p, *at, *slash;

	if (strncmp(s, "postgresql://", 13) == 0 ||
	    strncmp(s, "postgres://", 11) == 0) {
		p = strstr(s, "://") + 3;
		at = strchr(p, '@');
		slash = strchr(p, '/');
		if (at != NULL && (slash == NULL || at < slash) &&
		    memchr(p, ':', (size_t)(at - p)) != NULL)
			return 1;
		return strstr(s, "password=") != NULL;
	}
	for (p = s; (p = strstr(p, "password")) != NULL; p += 8) {
		if (p != s && !isspace((unsigned char)p[-1]))
			continue;
		at = p + 8;
		while (isspace((unsigned char)*at))
			at++;
		if (*at == '=')
			return 1;
	}
	return 0;
}

/* A node or segment name: letters, digits, '.', '_', '-'. */
static int
cluster_name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > CLUSTER_NAME_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return 0;
	return 1;
}

/* One scalar key of the block. */
static void
cluster_value(struct cfgload *ld, struct cluster_config *cc, const char *k,
    const struct ynode *v)
{
	char	*s = v->str;
	int64_t	 ms;
	uint64_t n;

	if (strcmp(k, "postgres") == 0) {
		if (cluster_has_password(s))
			cfg_errn(ld->errs, ld->file, v, "'cluster.postgres' "
			    "must not carry a password: put it in "
			    "'cluster.password_file' (or ~/.pgpass)");
		else {
			free(cc->postgres);
			cc->postgres = xstrdup(s);
		}
	} else if (strcmp(k, "password_file") == 0) {
		free(cc->password_file);
		cc->password_file = cfg_expand_path(s, ld->dir);
	} else if (strcmp(k, "node") == 0 || strcmp(k, "segment") == 0) {
		if (!cluster_name_ok(s))
			cfg_errn(ld->errs, ld->file, v, "'cluster.%s' must be "
			    "letters, digits, '.', '_' or '-' (at most %d), "
			    "not '%s'", k, CLUSTER_NAME_MAX, s);
		else if (strcmp(k, "node") == 0) {
			free(cc->node);
			cc->node = xstrdup(s);
		} else {
			free(cc->segment);
			cc->segment = xstrdup(s);
		}
	} else if (strcmp(k, "read") == 0) {
		if (strcmp(s, "postgres") != 0 && strcmp(s, "local") != 0)
			cfg_errn(ld->errs, ld->file, v, "'cluster.read' must be "
			    "'local' or 'postgres', not '%s'", s);
		else
			cc->read_pg = strcmp(s, "postgres") == 0;
	} else if (strcmp(k, "dead_after") == 0) {
		if (config_parse_duration(s, &ms) == -1 || ms < 1000 ||
		    ms > 24LL * 3600 * 1000)
			cfg_errn(ld->errs, ld->file, v, "'cluster.dead_after': "
			    "bad duration '%s' (want 1s to 1d, e.g. 30s)", s);
		else
			cc->dead_after_ms = ms;
	} else {
		if (config_parse_size(s, &n) == -1 || n < 1 ||
		    n > 100000000)
			cfg_errn(ld->errs, ld->file, v, "'cluster.outbox_max' "
			    "must be a count from 1 to 100000000, not '%s'", s);
		else
			cc->outbox_max = (size_t)n;
	}
}

/* Defaults for what the block leaves out. */
static void
cluster_defaults(struct cluster_config *cc)
{
	char	 host[256];

	if (cc->node == NULL) {
		if (gethostname(host, sizeof host) == -1)
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		cc->node = xstrdup(host);
	}
	if (cc->segment == NULL)
		cc->segment = xstrdup("default");
}

/* Is k one of the block's keys? */
static int
cluster_key_known(const char *k)
{
	static const char *const keys[] = { "postgres", "password_file",
	    "node", "segment", "dead_after", "outbox_max", "read" };
	size_t	 i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(k, keys[i]) == 0)
			return 1;
	return 0;
}

/* `cluster:`: a mapping; postgres is required when the block is there. */
void
settings_cluster(struct cfgload *ld, const struct ynode *m)
{
	struct cluster_config	*cc;
	const struct ynode	*key, *val;
	size_t			 i;
	int			 has_pg = 0;

	if (ynode_is_null(m))
		return;
	if (m->kind != YN_MAP) {
		cfg_errn(ld->errs, ld->file, m, "'cluster' must be a mapping, "
		    "not %s", ynode_kind_str(m));
		return;
	}
	cluster_config_free(ld->conf->cluster);
	cc = ld->conf->cluster = xcalloc(1, sizeof *cc);
	cc->dead_after_ms = CLUSTER_DEAD_AFTER_MS;
	cc->outbox_max = CLUSTER_OUTBOX_MAX;
	cfg_dup_keys(ld->errs, ld->file, m, "key");
	for (i = 0; i < ymap_len(m); i++) {
		key = ymap_key(m, i);
		val = ymap_val(m, i);
		if (key->kind != YN_SCALAR || !cluster_key_known(key->str)) {
			cfg_errn(ld->errs, ld->file, key, "unknown key "
			    "'cluster.%s'", key->kind == YN_SCALAR ?
			    key->str : "?");
			continue;
		}
		if (val->kind != YN_SCALAR || ynode_is_null(val) ||
		    *val->str == '\0') {
			cfg_errn(ld->errs, ld->file, val, "'cluster.%s' must "
			    "be a non-empty scalar", key->str);
			continue;
		}
		has_pg |= strcmp(key->str, "postgres") == 0;
		cluster_value(ld, cc, key->str, val);
	}
	if (!has_pg)
		cfg_errn(ld->errs, ld->file, m, "'cluster' needs 'postgres' "
		    "(a libpq connection string)");
	cluster_defaults(cc);
}

/* Read the password file: must be a regular file no one else can read. */
char *
cluster_read_password(const char *path, char *err, size_t errlen)
{
	struct stat	 sb;
	char		 buf[CLUSTER_PASS_MAX];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (sb.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: must be a regular file readable "
		    "only by its owner (chmod 600)", path);
		close(fd);
		return NULL;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		snprintf(err, errlen, "%s: empty password file", path);
		return NULL;
	}
	return xstrdup(buf);
}
