/* ssh_host_keys: fingerprints of the host's SSH keys from `ssh-keygen -l`
 * on the public key files (readable by anyone); without ssh-keygen the
 * public keys themselves are reported and no fingerprint is computed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/builtin.h"
#include "collectors/parse.h"
#include "common/buf.h"
#include "common/xmalloc.h"

/* Key algorithm names in .pub files and the type we report. */
static const struct {
	const char	*prefix;	/* start of the algorithm name */
	const char	*type;		/* reported type */
} hk_types[] = {
	{ "ssh-ed25519", "ed25519" },
	{ "ecdsa-sha2-", "ecdsa" },
	{ "ssh-rsa", "rsa" },
	{ "ssh-dss", "dsa" },
	{ "sk-ssh-ed25519", "ed25519-sk" },
	{ "sk-ecdsa-sha2-", "ecdsa-sk" },
};

/* Add ssh_host_keys.<type>.<what> = v. */
static void
hk_fact(struct facts *f, const char *type, const char *what, struct span v)
{
	char	 key[128];

	snprintf(key, sizeof key, "ssh_host_keys.%s.%s", type, what);
	fact_span(f, key, v);
}

/* "256 SHA256:xxx comment (ED25519)": bits, fingerprint, type. */
static int
hk_keygen(struct facts *f, struct span line, struct buf *types)
{
	struct span	 rest = line, bits, fp, w, last;
	uint64_t	 x;
	char		*type;

	if (!span_word(&rest, &bits) || !span_u64(bits, &x) ||
	    !span_word(&rest, &fp) || fp.n < 8)
		return 0;
	last = span_make(NULL, 0);
	while (span_word(&rest, &w))
		last = w;
	if (last.n < 3 || last.s[0] != '(' || last.s[last.n - 1] != ')')
		return 0;
	type = span_lower(span_make(last.s + 1, last.n - 2));
	hk_fact(f, type, "fingerprint", fp);
	hk_fact(f, type, "bits", bits);
	buf_printf(types, "%s%s", types->len ? "," : "", type);
	free(type);
	return 1;
}

/* "ssh-ed25519 AAAA... comment": the key itself, no fingerprint. */
static int
hk_pub(struct facts *f, struct span line, struct buf *types)
{
	struct span	 rest = line, alg, blob;
	size_t		 i;
	char		 key[256];

	if (!span_word(&rest, &alg) || !span_word(&rest, &blob) ||
	    !span_prefix(blob, "AAAA"))
		return 0;
	for (i = 0; i < sizeof hk_types / sizeof hk_types[0]; i++)
		if (span_prefix(alg, hk_types[i].prefix))
			break;
	if (i == sizeof hk_types / sizeof hk_types[0])
		return 0;
	if (alg.n + blob.n + 1 < sizeof key) {
		snprintf(key, sizeof key, "%.*s %.*s", (int)alg.n, alg.s,
		    (int)blob.n, blob.s);
		hk_fact(f, hk_types[i].type, "public_key", span_str(key));
	}
	buf_printf(types, "%s%s", types->len ? "," : "", hk_types[i].type);
	return 1;
}

/* Parse ssh-keygen -l lines, or "@@pub" sections of .pub lines. */
static enum coll_status
ssh_host_keys_parse(const char *out, size_t len, struct facts *f,
    char *err, size_t errlen)
{
	struct span	 text, line;
	struct lineiter	 it;
	struct facts	 tmp;
	struct buf	 types = { NULL, 0, 0 };
	enum coll_status st;
	size_t		 n = 0;

	if ((st = parse_begin(out, len, err, errlen, &text)) != COLL_OK)
		return st;
	memset(&tmp, 0, sizeof tmp);
	lines_init(&it, text);
	while (lines_next(&it, &line)) {
		if ((line = span_trim(line)).n == 0 ||
		    span_prefix(line, SECTION_MARK))
			continue;
		if (hk_keygen(&tmp, line, &types) || hk_pub(&tmp, line, &types))
			n++;
	}
	if (n == 0) {
		facts_free(&tmp);
		buf_free(&types);
		perr(err, errlen, "no host key in the output");
		return COLL_PARSE_ERROR;
	}
	fact_u64(&tmp, "ssh_host_keys.count", n);
	facts_add(&tmp, "ssh_host_keys.types", buf_str(&types));
	facts_move_unique(f, &tmp);
	buf_free(&types);
	return COLL_OK;
}

/* One ssh-keygen reads every key from stdin (one libcrypto start instead of
 * one per key type); when it does not print one line per readable file
 * (an old ssh-keygen without `-f -`, a file it cannot read), each file is
 * taken alone as before, so a bad key is still reported as @@pub. */
const struct collector collector_ssh_host_keys = {
	"ssh_host_keys",
	"LC_ALL=C; export LC_ALL\n"
	"set --\n"
	"for k in /etc/ssh/ssh_host_*_key.pub; do\n"
	"if [ -r \"$k\" ]; then set -- \"$@\" \"$k\"; fi\n"
	"done\n"
	"if [ \"$#\" -eq 0 ]; then echo '" COLLECTOR_UNSUPPORTED
	" no readable /etc/ssh/ssh_host_*_key.pub'\n"
	"else\n"
	"nl='\n'; o=; m=0\n"
	"if command -v ssh-keygen >/dev/null 2>&1; then\n"
	"o=$(cat -- \"$@\" 2>/dev/null | ssh-keygen -l -f - 2>/dev/null); fi\n"
	"r=$o; while [ -n \"$r\" ]; do m=$((m + 1)); case $r in\n"
	"*\"$nl\"*) r=${r#*\"$nl\"} ;; *) r= ;; esac; done\n"
	"if [ \"$m\" -eq \"$#\" ]; then printf '%s\\n' \"$o\"\n"
	"else\n"
	"for k; do\n"
	"if command -v ssh-keygen >/dev/null 2>&1 && "
	"ssh-keygen -l -f \"$k\" 2>/dev/null; then :\n"
	"else echo @@pub; cat \"$k\"; fi\n"
	"done\n"
	"fi\n"
	"fi\n",
	ssh_host_keys_parse,
	"SSH host key fingerprints (SHA256) and sizes per key type",
};
