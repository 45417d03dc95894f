/* How a custom collector's output becomes facts. Collectors own the parse
 * modes (collectors/custom.c implements them); the config names one per
 * custom collector, so config/ includes this small header rather than
 * collectors/ depending on config/. */
#ifndef ROLLCALL_PARSE_MODE_H
#define ROLLCALL_PARSE_MODE_H

enum parse_mode {
	PARSE_RAW = 0,		/* whole output as one fact */
	PARSE_LINES,		/* one fact per line: .0, .1, ... and .count */
	PARSE_KV,		/* key=value lines */
	PARSE_JSON,		/* objects flattened to dotted keys */
};

#endif
