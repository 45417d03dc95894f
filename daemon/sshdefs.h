/* The return codes and wait directions of rollcall's non-blocking SSH
 * layer, shared by daemon/ssh.c (libssh2) and daemon/sshagent.c (the
 * agent protocol) without either depending on the other. */
#ifndef ROLLCALL_SSHDEFS_H
#define ROLLCALL_SSHDEFS_H

#define SSH_DONE	0	/* the call finished */
#define SSH_AGAIN	1	/* retry the same call once ready */
#define SSH_FAIL	(-1)	/* it failed; ask why */

#define SSH_WANT_READ	0x1	/* wait for input */
#define SSH_WANT_WRITE	0x2	/* wait for room to write */

#endif
