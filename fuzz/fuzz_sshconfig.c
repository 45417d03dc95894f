/* libFuzzer harness: ssh_config text (config/sshconfig.c). Anyone who can
 * edit ~/.ssh/config (or a file it includes) feeds us any bytes: parsing
 * and every lookup must hold up, and a lookup must honour first-wins. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/sshconfig.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One input: parse (Include refused: it would read the fuzzer's disk),
 * resolve a few names, expand the paths, free. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const names[] = { "web1", "db.example", "Q1",
	    "", "127.0.0.1" };
	static const struct sshcfg_tokens t = { "h", "n", "r", 22, "u",
	    "/home/u" };
	struct cfg_errors	 errs = { 0 };
	struct sshcfg_host	 o;
	struct sshcfg		*c;
	char			 err[128], *p;
	size_t			 i;

	c = sshcfg_parse((const char *)data, len, "fuzz", SSHCFG_NO_INCLUDE,
	    &errs);
	for (i = 0; c != NULL && i < sizeof names / sizeof names[0]; i++) {
		sshcfg_lookup(c, names[i], "me", &o);
		if (o.port < 0 || o.port > 65535)
			__builtin_trap();
		if (o.identity != NULL &&
		    (p = sshcfg_expand(o.identity, &t, err, sizeof err)) == NULL)
			__builtin_trap();	/* checked at load */
		else if (o.identity != NULL)
			free(p);
		if (o.known_hosts != NULL &&
		    (p = sshcfg_expand(o.known_hosts, &t, err, sizeof err)) ==
		    NULL)
			__builtin_trap();
		else if (o.known_hosts != NULL)
			free(p);
		sshcfg_host_clear(&o);
	}
	sshcfg_free(c);
	cfg_errors_free(&errs);
	return 0;
}
