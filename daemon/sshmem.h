/* libssh2's allocator: keeps the session struct's untouched pages out of
 * RSS without paying a TLB shootdown per page (daemon/sshmem.c). */
#ifndef ROLLCALL_SSHMEM_H
#define ROLLCALL_SSHMEM_H

#include <stddef.h>

/* The three callbacks handed to libssh2_session_init_ex(). */
void	*ssh_mem_alloc(size_t, void **);
void	 ssh_mem_free(void *, void **);
void	*ssh_mem_realloc(void *, size_t, void **);
/* Bytes asked for when ptr (one of ours, not NULL) was allocated. */
size_t	 ssh_mem_size(const void *);
/* After libssh2_session_init_ex(): give back the pages still all zero. */
void	 ssh_mem_trim(void *);

#endif
