/* What a sweep produces: per-host status, per-collector status, and facts.
 * Shared by the engine (producer), collectors (parsers fill facts) and
 * storage (consumer). */
#ifndef ROLLCALL_RESULT_H
#define ROLLCALL_RESULT_H

#include <stddef.h>
#include <stdint.h>

/* One status per host attempt; the string table is the stored form. */
enum host_status {
	HOST_OK = 0,
	HOST_DNS_ERROR,
	HOST_REFUSED,
	HOST_CONNECT_TIMEOUT,
	HOST_HANDSHAKE_TIMEOUT,
	HOST_PROTOCOL_ERROR,
	HOST_HOSTKEY_UNKNOWN,
	HOST_HOSTKEY_MISMATCH,
	HOST_AUTH_FAILED,
	HOST_COMMAND_TIMEOUT,
	HOST_DISCONNECTED,
	HOST_UNREACHABLE,	/* no route: EHOSTUNREACH, ENETUNREACH */
	HOST_LOCAL_ERROR,	/* our side: no descriptor, no memory */
	HOST_BASTION_UNREACHABLE,	/* no SSH session to a bastion */
	HOST_BASTION_AUTH_FAILED,	/* the bastion refused our key */
	HOST_BASTION_HOSTKEY_UNKNOWN,	/* bastion's key not in known_hosts */
	HOST_BASTION_HOSTKEY_MISMATCH,	/* bastion's key changed */
	HOST_CONFIG_ERROR,		/* the inventory gives no usable connection */
	HOST_UNSUPPORTED_CONNECTION,	/* ansible_connection rollcall lacks */
	HOST_STATUS_MAX
};

/* One status per collector run on a host that got that far. */
enum coll_status {
	COLL_OK = 0,
	COLL_FAILED,		/* command exited non-zero */
	COLL_UNSUPPORTED,	/* tool or file missing on that host */
	COLL_PARSE_ERROR,	/* output not what the parser expects */
	COLL_TRUNCATED,		/* output over max_output: "output_truncated" */
	COLL_TIMEOUT,		/* command ran out of time */
	COLL_NOT_RUN,		/* session ended before it ran */
	COLL_STATUS_MAX
};

const char	*host_status_str(enum host_status);
int		 host_status_parse(const char *);	/* -1 if unknown */
const char	*coll_status_str(enum coll_status);

/* A scalar fact. Every key of collector X starts with "X." (custom
 * collectors: "custom.X."), so storage knows which facts a collector owns. */
struct fact {
	char	*key;		/* e.g. "os.id" */
	char	*value;		/* text as reported, may be "" */
};

/* Rows of the fleet-wide list tables (their own SQL tables, not facts). */
enum item_kind {
	ITEM_PACKAGE,		/* name, version, arch, source(dpkg/rpm/apk) */
	ITEM_SERVICE,		/* name, load, active, sub, enabled */
	ITEM_INTERFACE,		/* name, mac, mtu, state */
	ITEM_ADDRESS,		/* interface, family(inet/inet6), address, prefix */
	ITEM_FILESYSTEM,	/* mount, device, fstype, size_bytes, used_bytes */
	ITEM_KIND_MAX
};
#define ITEM_FIELDS	6

struct item {
	enum item_kind	 kind;
	char		*f[ITEM_FIELDS];	/* fields as above; unused NULL */
};

/* Everything parsers found on one host. */
struct facts {
	struct fact	*v;		/* scalar facts, in insertion order */
	size_t		 n;		/* used */
	size_t		 cap;		/* allocated */
	struct item	*items;		/* list rows */
	size_t		 nitems;	/* used */
	size_t		 capitems;	/* allocated */
};

void	 facts_add(struct facts *, const char *key, const char *value);
void	 facts_addf(struct facts *, const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* fields: ITEM_FIELDS entries, NULL for unused; copied. */
void	 facts_add_item(struct facts *, enum item_kind,
	    const char *const fields[ITEM_FIELDS]);
const char *facts_get(const struct facts *, const char *key);	/* or NULL */
/* Drop facts and items added after the first n / nitems (a parser that
 * failed half-way must leave nothing behind). */
void	 facts_truncate(struct facts *, size_t n, size_t nitems);
void	 facts_free(struct facts *);
const char *item_kind_str(enum item_kind);

/* Bytes of a collector output digest (collectors/digest.c). */
#define RESULT_DIGEST_LEN	16
/* Its first bytes, which a sweep's digest window hands each job
 * (storage/digest.c) and a host checks to answer "same": 64 bits tell one
 * host's output from its previous one (a chance match is 2^-64 per
 * change), and the writer checks an "unchanged" claim on the same bytes. */
#define RESULT_DIGEST_KEPT	8

/* One collector's outcome on one host. */
struct coll_result {
	char		*name;		/* collector name */
	enum coll_status status;
	int		 exit_code;	/* -1 if unknown */
	char		*error;		/* human message or NULL */
	size_t		 out_bytes;	/* stdout bytes received */
	int64_t		 duration_ms;	/* from exec to exit; -1 unknown */
	unsigned char	 digest[RESULT_DIGEST_LEN]; /* of the raw output */
	int		 has_digest;	/* digest is set */
	int		 unchanged;	/* digest equals the stored one: not
					 * parsed, its facts are confirmed */
};

/* One host attempt in one sweep. The engine fills it, storage consumes it. */
struct host_result {
	char		*name;		/* inventory name */
	char		*address;	/* address connected to */
	int		 port;
	int64_t		 sweep_id;
	enum host_status status;
	char		*error;		/* human message, NULL when ok */
	int64_t		 started_us;	/* wall clock, epoch microseconds */
	int64_t		 authed_us;	/* authentication done; 0 if never */
	int64_t		 ended_us;
	struct coll_result *colls;	/* one per collector attempted */
	size_t		 ncolls;
	struct facts	 facts;		/* facts of every collector that ran ok */
};

struct host_result *host_result_new(const char *name, const char *address,
	    int port, int64_t sweep_id);	/* caller frees */
struct coll_result *host_result_add_coll(struct host_result *,
	    const char *name);			/* owned by the result */
void	 host_result_set_error(struct host_result *, enum host_status,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void	 host_result_free(struct host_result *);

#endif
