/* The job state table (daemon/job.c): every state has its line, and the
 * rules the engine relies on hold: DNS and TCP connect share one
 * connect_timeout budget, the handshake gets a fresh one, each collector
 * its own; only the listed loops go backwards; every status a deadline
 * gives has a stored name. */
#include <string.h>

#include "common/result.h"
#include "daemon/job.h"
#include "test.h"

/* Every state: a function, a unique name, a phase, a valid status. */
static void
test_complete(void)
{
	const struct job_state_info	*t, *u;
	int				 s, v;

	for (s = 0; s < JOB_STATE_MAX; s++) {
		t = job_state_info(s);
		CHECK(t != NULL);
		if (t == NULL)
			continue;
		CHECK(t->run != NULL);
		CHECK(t->name != NULL && t->name[0] != '\0');
		CHECK(t->phase != NULL && t->phase[0] != '\0');
		CHECK((unsigned)t->timeout < HOST_STATUS_MAX);
		CHECK(t->budget <= JOB_BUDGET_CLEANUP);
		/* a phase that starts needs a deadline to start */
		CHECK(!t->starts || t->budget != JOB_BUDGET_NONE);
		/* a loop goes back, never forward */
		CHECK(t->back == JOB_NEW || t->back <= (enum job_state)s);
		for (v = 0; v < s; v++)
			if ((u = job_state_info(v)) != NULL && t->name != NULL)
				CHECK(strcmp(u->name, t->name) != 0);
		CHECK_STR(job_state_str(s), t->name);
	}
	CHECK(job_state_info(JOB_STATE_MAX) == NULL);
	CHECK_STR(job_state_str(JOB_STATE_MAX), "?");
}

/* DNS + connect: one budget, started at the lookup; handshake re-armed. */
static void
test_budgets(void)
{
	const struct job_state_info	*r = job_state_info(JOB_RESOLVE);
	const struct job_state_info	*so = job_state_info(JOB_SOCKET);
	const struct job_state_info	*c = job_state_info(JOB_CONNECT);
	const struct job_state_info	*h = job_state_info(JOB_HANDSHAKE);
	const struct job_state_info	*f = job_state_info(JOB_FD_WAIT);

	CHECK(r->budget == JOB_BUDGET_CONNECT && r->starts);
	CHECK(so->budget == JOB_BUDGET_CONNECT && !so->starts);
	CHECK(c->budget == JOB_BUDGET_CONNECT && !c->starts);
	CHECK(h->budget == JOB_BUDGET_CONNECT && h->starts);
	CHECK(job_state_info(JOB_HOSTKEY)->starts == 0);
	CHECK(job_state_info(JOB_AUTH)->starts == 0);
	CHECK(job_state_info(JOB_CHAN_OPEN)->budget == JOB_BUDGET_COMMAND &&
	    job_state_info(JOB_CHAN_OPEN)->starts);
	CHECK(job_state_info(JOB_DISCONNECT)->budget == JOB_BUDGET_CLEANUP);
	/* a local unit: each collector its own budget and status, as a
	 * channel's; the phase starts when the command does */
	CHECK(job_state_info(JOB_LOCAL_SPAWN)->budget == JOB_BUDGET_COMMAND &&
	    job_state_info(JOB_LOCAL_SPAWN)->starts);
	CHECK(job_state_info(JOB_LOCAL_READ)->budget == JOB_BUDGET_COMMAND &&
	    !job_state_info(JOB_LOCAL_READ)->starts);
	CHECK(job_state_info(JOB_LOCAL_EXIT)->budget == JOB_BUDGET_COMMAND);
	CHECK(job_state_info(JOB_LOCAL_READ)->timeout == HOST_COMMAND_TIMEOUT);
	CHECK(job_state_info(JOB_LOCAL_EXIT)->timeout == HOST_COMMAND_TIMEOUT);
	/* waiting for a descriptor is ours: no connect budget, local status */
	CHECK(f->budget == JOB_BUDGET_NONE);
	CHECK(f->timeout == HOST_LOCAL_ERROR);
	CHECK(r->timeout == HOST_DNS_ERROR);
	CHECK(c->timeout == HOST_CONNECT_TIMEOUT);
	CHECK(h->timeout == HOST_HANDSHAKE_TIMEOUT);
	CHECK(job_state_info(JOB_CHAN_READ)->timeout == HOST_COMMAND_TIMEOUT);
	CHECK(job_state_info(JOB_SESSION_FREE)->timeout == HOST_OK);
}

/* The only ways back: next channel (SSH or local), second connection,
 * descriptor retry. */
static void
test_loops(void)
{
	int	 s, n = 0;

	for (s = 0; s < JOB_STATE_MAX; s++)
		if (job_state_info(s)->back != JOB_NEW)
			n++;
	CHECK(n == 5);
	CHECK(job_state_info(JOB_CHAN_FREE)->back == JOB_UNIT_START);
	CHECK(job_state_info(JOB_LOCAL_EXIT)->back == JOB_UNIT_START);
	CHECK(job_state_info(JOB_FD_WAIT)->back == JOB_SOCKET);
	CHECK(job_state_info(JOB_HANDSHAKE)->back == JOB_RECONNECT);
	CHECK(job_state_info(JOB_RECONNECT)->back == JOB_SOCKET);
}

/* Every host status has a stored name that parses back. */
static void
test_statuses(void)
{
	int	 s;

	for (s = 0; s < HOST_STATUS_MAX; s++) {
		CHECK(host_status_str(s) != NULL);
		CHECK(host_status_parse(host_status_str(s)) == s);
	}
	CHECK_STR(host_status_str(HOST_UNREACHABLE), "unreachable");
	CHECK_STR(host_status_str(HOST_LOCAL_ERROR), "local_error");
}

int
main(void)
{
	test_complete();
	test_budgets();
	test_loops();
	test_statuses();
	TEST_MAIN_END();
}
