/* The built-in collectors, one per file in collectors/ (private header). */
#ifndef ROLLCALL_COLLECTORS_BUILTIN_H
#define ROLLCALL_COLLECTORS_BUILTIN_H

#include "collectors/collector.h"

extern const struct collector	collector_os;
extern const struct collector	collector_kernel;
extern const struct collector	collector_hostname;
extern const struct collector	collector_cpu;
extern const struct collector	collector_memory;
extern const struct collector	collector_uptime;
extern const struct collector	collector_virtualization;
extern const struct collector	collector_dmi;
extern const struct collector	collector_disks;
extern const struct collector	collector_filesystems;
extern const struct collector	collector_network;
extern const struct collector	collector_packages;
extern const struct collector	collector_services;
extern const struct collector	collector_users;
extern const struct collector	collector_ssh_host_keys;
extern const struct collector	collector_time;

#endif
