/* `rollcall changes`: what changed across the fleet, newest first (the
 * query and its printing are history's: cli/cmd_history.c). */
#include "cli/clirender.h"
#include "cli/cmd.h"

/* Without --since: the fleet's last day (a host's history is whole). */
#define CHANGES_DEFAULT	"24h"

const struct cmd_entry cmd_changes_entry = {
	"changes", NULL,
	"[-c FILE] [--db PATH] [--json | --csv] [--limit PATTERN]"
	    " [--since DURATION] [--group G] [--key PREFIX]",
	"what changed across the fleet, newest first", cmd_changes
};

/* The fleet's changes. */
int
cmd_changes(int argc, char **argv)
{
	const char		*since = NULL, *key = NULL, *group = NULL;
	const struct cli_extra	 extra[] = {
		{ "since", "DURATION", "only changes in the last DURATION "
		    "(30m, 24h, 7d); default 24h", &since, NULL },
		{ "group", "G", "only hosts in inventory group G", &group,
		    NULL },
		{ "key", "PREFIX", "only keys starting with PREFIX: 'os.', "
		    "'package:openssl'", &key, NULL },
	};
	const struct cli_spec	 spec = { &cmd_changes_entry, "",
		"What changed across the fleet, newest first: when (UTC), "
		"host, key, detail,\nchange, old -> new value (see 'rollcall "
		"history'). Exit 1 when nothing changed, or the group is unknown\n"
		"(said on stderr).", extra,
		sizeof extra / sizeof extra[0], 0, "No changes found", 1 };

	return history_run(argc, argv, &spec, 1, &since, &key, &group,
	    CHANGES_DEFAULT, NULL);
}
