/* SPDX-License-Identifier: MIT */
/*
 * Processes and threads: fork, vfork, posix_spawn, the exec family, exit,
 * thread creation and join, wait.
 *
 * A new process announces itself: a fork child with proc_start (atfork
 * handler), a new image with an IMAGE record from the constructor (the
 * consumer makes it proc_start or exec).  exec releases the calling
 * thread's ring first: on success the old image is gone; on failure the
 * failed exec is recorded from a new ring.
 */
#include "config.h"
#undef _FORTIFY_SOURCE

#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/wrap_common.h"

extern char **environ;

/* ------------------------------------------------------------------ */
/* fork, vfork, posix_spawn                                             */
/* ------------------------------------------------------------------ */

pid_t fork(void)
{
	REAL(fork);
	struct iorr_ev e;
	pid_t r;

	if (unlikely(!real_fork)) {
		errno = EAGAIN;
		return -1;
	}
	if (!iorr_on())
		return real_fork();
	iorr_ev_begin(&e, IORR_OP_fork, IORR_NF_fork);
	r = real_fork();
	if (r == 0)
		return 0;	/* the atfork handler announced the child */
	iorr_ev_end(&e, r);
	e.f[0] = iorr_i64(r);
	iorr_emit(&e);
	return r;
}

/*
 * RATIONALE: a wrapper cannot call the real vfork (the child would return
 * through a stack frame the parent reuses).  vfork is recorded and run as
 * fork: the child gets a copy of the memory instead of sharing it, which
 * programs that follow vfork's rules (exec or _exit) cannot tell apart.
 */
pid_t vfork(void)
{
	return fork();
}

#define SPAWN_BODY(name)						\
	do {								\
		char *const *env;					\
		struct iorr_ev e;					\
		pid_t child = 0;					\
		int r;							\
									\
		if (unlikely(!real_##name))				\
			return ENOSYS;					\
		if (!iorr_on())						\
			return real_##name(pid, path, fa, attr, argv,	\
					   envp);			\
		env = iorr_fix_env(envp);				\
		iorr_ev_begin(&e, IORR_OP_fork, IORR_NF_fork);		\
		r = real_##name(&child, path, fa, attr, argv, env);	\
		iorr_ev_end_errnum(&e, r);				\
		iorr_free_env(env, envp);				\
		if (pid)						\
			*pid = child;					\
		e.f[0] = iorr_i64(child);				\
		iorr_emit(&e);						\
		return r;						\
	} while (0)

int posix_spawn(pid_t *pid, const char *path,
		const posix_spawn_file_actions_t *fa,
		const posix_spawnattr_t *attr, char *const argv[],
		char *const envp[])
{
	REAL(posix_spawn);
	SPAWN_BODY(posix_spawn);
}

int posix_spawnp(pid_t *pid, const char *path,
		 const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *attr, char *const argv[],
		 char *const envp[])
{
	REAL(posix_spawnp);
	SPAWN_BODY(posix_spawnp);
}

/* ------------------------------------------------------------------ */
/* exec                                                                 */
/* ------------------------------------------------------------------ */

enum exec_kind { EX_PATH, EX_SEARCH, EX_FD };

static int exec_common(enum exec_kind kind, const char *path, int fd,
		       char *const argv[], char *const envp[])
{
	static __typeof__(execve) *real_execve;
	static __typeof__(execvpe) *real_execvpe;
	static __typeof__(fexecve) *real_fexecve;
	struct iorr_patharg pa;
	char *const *env;
	struct iorr_ev e;
	bool on;
	int r;

	if (!real_execve) {
		real_execve = iorr_real("execve");
		real_execvpe = iorr_real("execvpe");
		real_fexecve = iorr_real("fexecve");
	}
	if (!real_execve || !real_execvpe || !real_fexecve) {
		errno = ENOSYS;
		return -1;
	}
	on = iorr_on();
	env = on ? iorr_fix_env(envp) : envp;
	if (on) {
		pa.ok = false;
		if (kind != EX_FD && path)
			iorr_patharg(&pa, AT_FDCWD, path);
		iorr_mmap_flush_all();
		iorr_ev_begin(&e, IORR_OP_exec, IORR_NF_exec);
		iorr_release_rings();
	}
	if (kind == EX_PATH)
		r = real_execve(path, argv, env);
	else if (kind == EX_SEARCH)
		r = real_execvpe(path, argv, env);
	else
		r = real_fexecve(fd, argv, env);
	if (!on)
		return r;
	iorr_ev_end(&e, r);
	iorr_free_env(env, envp);
	e.f[0] = 0;
	if (pa.ok)
		iorr_ev_path(&e, 0, pa.abs);
	else if (path)
		iorr_ev_var(&e, IORR_VAR_PATH, 0, path, strlen(path));
	else
		iorr_ev_var(&e, IORR_VAR_PATH, 0, "", 0);
	iorr_emit(&e);
	return r;
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	return exec_common(EX_PATH, path, -1, argv, envp);
}

int execv(const char *path, char *const argv[])
{
	return exec_common(EX_PATH, path, -1, argv, environ);
}

int execvp(const char *file, char *const argv[])
{
	return exec_common(EX_SEARCH, file, -1, argv, environ);
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return exec_common(EX_SEARCH, file, -1, argv, envp);
}

int fexecve(int fd, char *const argv[], char *const envp[])
{
	return exec_common(EX_FD, NULL, fd, argv, envp);
}

/* Count the variadic arguments of execl* up to the NULL. */
#define EXECL_ARGV(arg0, last, argv)					\
	size_t n_ = 1;							\
	va_list ap_;							\
									\
	va_start(ap_, last);						\
	while (va_arg(ap_, char *))					\
		n_++;							\
	va_end(ap_);							\
	char *argv[n_ + 1];						\
									\
	argv[0] = (char *)(arg0);					\
	va_start(ap_, last);						\
	for (size_t i_ = 1; i_ <= n_; i_++)				\
		argv[i_] = va_arg(ap_, char *)

int execl(const char *path, const char *arg, ...)
{
	EXECL_ARGV(arg, arg, argv);
	va_end(ap_);
	return exec_common(EX_PATH, path, -1, argv, environ);
}

int execlp(const char *file, const char *arg, ...)
{
	EXECL_ARGV(arg, arg, argv);
	va_end(ap_);
	return exec_common(EX_SEARCH, file, -1, argv, environ);
}

int execle(const char *path, const char *arg, ...)
{
	EXECL_ARGV(arg, arg, argv);
	char *const *envp = va_arg(ap_, char *const *);

	va_end(ap_);
	return exec_common(EX_PATH, path, -1, argv, envp);
}

/* ------------------------------------------------------------------ */
/* exit                                                                 */
/* ------------------------------------------------------------------ */

static int exit_status = -1;

void exit(int status)
{
	REAL(exit);
	exit_status = status;
	if (!real_exit)
		iorr_sys(SYS_exit_group, status, 0, 0);
	real_exit(status);
	__builtin_unreachable();
}

void _exit(int status)
{
	REAL(_exit);
	iorr_proc_exit(status);
	if (!real__exit)
		iorr_sys(SYS_exit_group, status, 0, 0);
	real__exit(status);
	__builtin_unreachable();
}

void _Exit(int status)
{
	REAL(_Exit);
	iorr_proc_exit(status);
	if (!real__Exit)
		iorr_sys(SYS_exit_group, status, 0, 0);
	real__Exit(status);
	__builtin_unreachable();
}

/* Returning from main: libc calls its internal exit, not ours. */
typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;

static int main_trampoline(int argc, char **argv, char **envp)
{
	int r = real_main(argc, argv, envp);

	exit_status = r;
	return r;
}

int __libc_start_main(main_fn main, int argc, char **argv,
		      void (*init)(void), void (*fini)(void),
		      void (*rtld_fini)(void), void *stack_end);
int __libc_start_main(main_fn main, int argc, char **argv,
		      void (*init)(void), void (*fini)(void),
		      void (*rtld_fini)(void), void *stack_end)
{
	REAL(__libc_start_main);
	real_main = main;
	return real___libc_start_main(main_trampoline, argc, argv, init, fini,
				      rtld_fini, stack_end);
}

/*
 * The process ends: after atexit handlers, when the libraries' destructors
 * run.  status is -1 when the process left by a path the library does not
 * see (the parent's wait event has it).
 */
__attribute__((destructor)) static void iorr_dtor(void)
{
	iorr_proc_exit(exit_status);
}

/* ------------------------------------------------------------------ */
/* Threads                                                              */
/* ------------------------------------------------------------------ */

struct tramp {
	void *(*fn)(void *);
	void *arg;
	int ptid;
	int tid;	/* futex: set by the new thread */
};

/* pthread_t -> tid of threads we started, for thread_join. */
#define NTHREADS 4096
static struct {
	_Atomic unsigned long key;
	int tid;
} thmap[NTHREADS];

static void thmap_put(pthread_t th, int tid)
{
	unsigned long k = (unsigned long)th;

	for (unsigned i = 0, h = (unsigned)(k >> 6) % NTHREADS; i < NTHREADS;
	     i++, h = (h + 1) % NTHREADS) {
		unsigned long exp = 0;

		if (atomic_load(&thmap[h].key) == k ||
		    atomic_compare_exchange_strong(&thmap[h].key, &exp, k)) {
			thmap[h].tid = tid;
			return;
		}
	}
}

static int thmap_take(pthread_t th)
{
	unsigned long k = (unsigned long)th;

	for (unsigned i = 0, h = (unsigned)(k >> 6) % NTHREADS; i < NTHREADS;
	     i++, h = (h + 1) % NTHREADS) {
		if (atomic_load(&thmap[h].key) == k) {
			int tid = thmap[h].tid;

			/* the slot stays claimed by k (tombstone) */
			thmap[h].tid = 0;
			return tid;
		}
		if (atomic_load(&thmap[h].key) == 0)
			return 0;
	}
	return 0;
}

static void *thread_trampoline(void *p)
{
	struct tramp *t = p;
	void *(*fn)(void *) = t->fn;
	void *arg = t->arg;
	int ptid = t->ptid;
	struct iorr_ev e;

	iorr_t.ptid = ptid;
	__atomic_store_n(&t->tid, iorr_gettid(), __ATOMIC_RELEASE);
	iorr_sys(SYS_futex, &t->tid, FUTEX_WAKE_PRIVATE, 1);
	/* t is gone from here on: the creator returned */
	if (iorr_on()) {
		iorr_ev_begin(&e, IORR_OP_thread_start, IORR_NF_thread_start);
		e.f[0] = (uint64_t)ptid;
		e.end = e.start;
		e.result = 0;
		e.saved_errno = errno;
		iorr_emit(&e);
	}
	return fn(arg);
}

int pthread_create(pthread_t *th, const pthread_attr_t *attr,
		   void *(*fn)(void *), void *arg)
{
	REAL(pthread_create);
	struct tramp t = { fn, arg, 0, 0 };
	struct iorr_ev e;
	int r;

	if (unlikely(!real_pthread_create))
		return EAGAIN;
	if (!iorr_on())
		return real_pthread_create(th, attr, fn, arg);
	t.ptid = iorr_gettid();
	iorr_ev_begin(&e, IORR_OP_thread_create, IORR_NF_thread_create);
	r = real_pthread_create(th, attr, thread_trampoline, &t);
	if (r == 0) {
		/* wait for the child's tid: the event names the thread */
		while (!__atomic_load_n(&t.tid, __ATOMIC_ACQUIRE))
			iorr_sys4(SYS_futex, &t.tid, FUTEX_WAIT_PRIVATE, 0,
				  NULL);
		thmap_put(*th, t.tid);
	}
	iorr_ev_end_errnum(&e, r);
	if (r != 0) {
		errno = e.saved_errno;
		return r;
	}
	e.f[0] = (uint64_t)t.tid;
	iorr_emit(&e);
	return r;
}

int pthread_join(pthread_t th, void **ret)
{
	REAL(pthread_join);
	struct iorr_ev e;
	int r, tid;

	if (unlikely(!real_pthread_join))
		return ENOSYS;
	if (!iorr_on())
		return real_pthread_join(th, ret);
	iorr_ev_begin(&e, IORR_OP_thread_join, IORR_NF_thread_join);
	r = real_pthread_join(th, ret);
	iorr_ev_end_errnum(&e, r);
	tid = r == 0 ? thmap_take(th) : 0;
	if (!tid) {
		errno = e.saved_errno;
		return r;
	}
	e.f[0] = (uint64_t)tid;
	iorr_emit(&e);
	return r;
}

/* ------------------------------------------------------------------ */
/* wait                                                                 */
/* ------------------------------------------------------------------ */

/* Record a wait that reaped (or saw) child @pid with @status. */
static void wait_record(struct iorr_ev *e, pid_t r, int status)
{
	if (r <= 0) {
		errno = e->saved_errno;
		return;
	}
	e->f[0] = iorr_i64(r);
	e->f[1] = iorr_i64(status);
	iorr_emit(e);
}

pid_t wait(int *wstatus)
{
	REAL(wait);
	struct iorr_ev e;
	int st = 0;
	pid_t r;

	if (unlikely(!real_wait))
		return (pid_t)iorr_rawret(iorr_sys4(SYS_wait4, -1, wstatus, 0,
						    NULL));
	if (!iorr_on())
		return real_wait(wstatus);
	iorr_ev_begin(&e, IORR_OP_wait, IORR_NF_wait);
	r = real_wait(&st);
	iorr_ev_end(&e, r);
	if (wstatus && r > 0)
		*wstatus = st;
	wait_record(&e, r, st);
	return r;
}

pid_t waitpid(pid_t pid, int *wstatus, int options)
{
	REAL(waitpid);
	struct iorr_ev e;
	int st = 0;
	pid_t r;

	if (unlikely(!real_waitpid))
		return (pid_t)iorr_rawret(iorr_sys4(SYS_wait4, pid, wstatus,
						    options, NULL));
	if (!iorr_on())
		return real_waitpid(pid, wstatus, options);
	iorr_ev_begin(&e, IORR_OP_wait, IORR_NF_wait);
	r = real_waitpid(pid, &st, options);
	iorr_ev_end(&e, r);
	if (wstatus && r > 0)
		*wstatus = st;
	wait_record(&e, r, st);
	return r;
}

pid_t wait4(pid_t pid, int *wstatus, int options, struct rusage *ru)
{
	REAL(wait4);
	struct iorr_ev e;
	int st = 0;
	pid_t r;

	if (unlikely(!real_wait4))
		return (pid_t)iorr_rawret(iorr_sys4(SYS_wait4, pid, wstatus,
						    options, ru));
	if (!iorr_on())
		return real_wait4(pid, wstatus, options, ru);
	iorr_ev_begin(&e, IORR_OP_wait, IORR_NF_wait);
	r = real_wait4(pid, &st, options, ru);
	iorr_ev_end(&e, r);
	if (wstatus && r > 0)
		*wstatus = st;
	wait_record(&e, r, st);
	return r;
}

int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	REAL(waitid);
	struct iorr_ev e;
	int r;

	if (unlikely(!real_waitid))
		return (int)iorr_rawret(iorr_sys6(SYS_waitid, idtype, id,
						  (long)info, options, 0, 0));
	if (!iorr_on() || !info)
		return real_waitid(idtype, id, info, options);
	iorr_ev_begin(&e, IORR_OP_wait, IORR_NF_wait);
	r = real_waitid(idtype, id, info, options);
	iorr_ev_end(&e, r);
	wait_record(&e, r == 0 ? info->si_pid : -1, info->si_status);
	return r;
}
