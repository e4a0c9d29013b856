/*
 * test_notify.c - lib/common/gvc_notify: the sd_notify datagram reaches
 * a socket named by $NOTIFY_SOCKET (path and abstract), is a no-op
 * without one, and bad names or a missing listener are errors, not
 * crashes.
 */
#include "config.h"

#include "gvtest.h"
#include "gvc_notify.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Bind a datagram socket at name (a path, or "@x" abstract); -1 on
 * failure. */
static int listener(const char *name)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
                                strlen(name));
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        return -1;
    }
    memcpy(sa.sun_path, name, strlen(name));
    if (name[0] == '@') {
        sa.sun_path[0] = '\0';
    } else {
        len++;
    }
    if (bind(fd, (struct sockaddr *)&sa, len) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One datagram within a second, NUL-terminated into buf; "" if none. */
static void receive(int fd, char *buf, size_t len)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    ssize_t n = 0;

    buf[0] = '\0';
    if (poll(&p, 1, 1000) == 1) {
        n = recv(fd, buf, len - 1, 0);
    }
    buf[n > 0 ? n : 0] = '\0';
}

static void test_notify_unset_is_a_no_op(void)
{
    unsetenv("NOTIFY_SOCKET");
    CU_ASSERT_EQUAL(gvc_notify("READY=1"), GVC_OK);
    setenv("NOTIFY_SOCKET", "", 1);
    CU_ASSERT_EQUAL(gvc_notify("READY=1"), GVC_OK);
    unsetenv("NOTIFY_SOCKET");
}

static void test_notify_sends_to_a_path_socket(void)
{
    char *dir = gvtest_mkdtemp(), path[256], buf[64];
    int fd;

    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    snprintf(path, sizeof(path), "%s/notify", dir);
    fd = listener(path);
    CU_ASSERT_FATAL(fd >= 0);
    setenv("NOTIFY_SOCKET", path, 1);
    CU_ASSERT_EQUAL(gvc_notify("READY=1"), GVC_OK);
    receive(fd, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "READY=1");
    CU_ASSERT_EQUAL(gvc_notify("STOPPING=1\nSTATUS=bye"), GVC_OK);
    receive(fd, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "STOPPING=1\nSTATUS=bye");
    unsetenv("NOTIFY_SOCKET");
    close(fd);
    gvtest_rmtree(dir);
    free(dir);
}

static void test_notify_sends_to_an_abstract_socket(void)
{
    char name[64], buf[64];
    int fd;

    snprintf(name, sizeof(name), "@gvtest-notify-%d", (int)getpid());
    fd = listener(name);
    CU_ASSERT_FATAL(fd >= 0);
    setenv("NOTIFY_SOCKET", name, 1);
    CU_ASSERT_EQUAL(gvc_notify("READY=1"), GVC_OK);
    receive(fd, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "READY=1");
    unsetenv("NOTIFY_SOCKET");
    close(fd);
}

static void test_notify_rejects_bad_names_and_states(void)
{
    char longname[200];

    setenv("NOTIFY_SOCKET", "relative/path", 1);
    CU_ASSERT_EQUAL(gvc_notify("READY=1"), GVC_ERR_INVALID);
    memset(longname, 'x', sizeof(longname) - 1);
    longname[0] = '/';
    longname[sizeof(longname) - 1] = '\0';
    setenv("NOTIFY_SOCKET", longname, 1);
    CU_ASSERT_EQUAL(gvc_notify("READY=1"), GVC_ERR_INVALID);
    setenv("NOTIFY_SOCKET", "/tmp/x", 1);
    CU_ASSERT_EQUAL(gvc_notify(""), GVC_ERR_INVALID);
    CU_ASSERT_EQUAL(gvc_notify(NULL), GVC_ERR_INVALID);
    unsetenv("NOTIFY_SOCKET");
}

static void test_notify_without_listener_is_an_io_error(void)
{
    char *dir = gvtest_mkdtemp(), path[256];

    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    snprintf(path, sizeof(path), "%s/nobody-listens", dir);
    setenv("NOTIFY_SOCKET", path, 1);
    CU_ASSERT_EQUAL(gvc_notify("READY=1"), GVC_ERR_IO);
    unsetenv("NOTIFY_SOCKET");
    gvtest_rmtree(dir);
    free(dir);
}

static const gvtest_case_t notify_cases[] = {
    { "unset_is_a_no_op", test_notify_unset_is_a_no_op },
    { "sends_to_a_path_socket", test_notify_sends_to_a_path_socket },
    { "sends_to_an_abstract_socket", test_notify_sends_to_an_abstract_socket },
    { "rejects_bad_names_and_states",
      test_notify_rejects_bad_names_and_states },
    { "without_listener_is_an_io_error",
      test_notify_without_listener_is_an_io_error },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    static const gvtest_suite_t suites[] = {
        { "notify", NULL, NULL, notify_cases },
        { NULL, NULL, NULL, NULL }
    };

    return gvtest_main(argc, argv, suites);
}
