/*
 * syslogshim.c - preloaded into gvd by test_gvd_status: openlog, syslog
 * and closelog append what they were given to the file $GVTEST_SYSLOG
 * ("openlog IDENT OPTION FACILITY", "syslog PRIORITY MESSAGE", one line
 * each, one write per line), so the test sees what a syslog daemon
 * would get.  __syslog_chk is what _FORTIFY_SOURCE turns syslog into.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void openlog(const char *ident, int option, int facility);
void closelog(void);
void syslog(int priority, const char *fmt, ...);
void vsyslog(int priority, const char *fmt, va_list ap);
void __syslog_chk(int priority, int flag, const char *fmt, ...);
void __vsyslog_chk(int priority, int flag, const char *fmt, va_list ap);

static void shim_put(const char *line, size_t n)
{
    const char *path = getenv("GVTEST_SYSLOG");
    int fd;

    if (path == NULL || (fd = open(path, O_WRONLY | O_APPEND | O_CREAT |
                                             O_CLOEXEC, 0600)) < 0) {
        return;
    }
    if (write(fd, line, n) < 0) {
        /* the test will miss the line */
    }
    close(fd);
}

void openlog(const char *ident, int option, int facility)
{
    char line[256];
    int n = snprintf(line, sizeof(line), "openlog %s %d %d\n",
                     ident ? ident : "(null)", option, facility);

    shim_put(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void closelog(void)
{
}

void vsyslog(int priority, const char *fmt, va_list ap)
{
    char line[2048];
    int n = snprintf(line, sizeof(line), "syslog %d ", priority);

    n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    if ((size_t)n > sizeof(line) - 2) {
        n = (int)sizeof(line) - 2;
    }
    line[n++] = '\n';
    shim_put(line, (size_t)n);
}

void syslog(int priority, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsyslog(priority, fmt, ap);
    va_end(ap);
}

void __vsyslog_chk(int priority, int flag, const char *fmt, va_list ap)
{
    (void)flag;
    vsyslog(priority, fmt, ap);
}

void __syslog_chk(int priority, int flag, const char *fmt, ...)
{
    va_list ap;

    (void)flag;
    va_start(ap, fmt);
    vsyslog(priority, fmt, ap);
    va_end(ap);
}
