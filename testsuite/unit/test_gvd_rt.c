/*
 * test_gvd_rt.c - the runtime functions of issue 4 (peer answers, pools
 * and memory locations, arrays and their copies, texture and surface
 * objects, IPC, graph nodes, user objects) and fork() before and after
 * the first CUDA call, end to end on gvd's simulated device: a real gvd,
 * real workers, rtapp linked against our libcudart.so.13.  The
 * simulator (gvd/sim) answers what it can hold in host memory; kernels
 * do not exist there.
 */
#include "config.h"

#include "gvtest.h"
#include "gvtest_gvd.h"

static gvtest_gvd_t g;      /* one gvd for the whole suite */

static void run(const char *mode)
{
    CU_ASSERT_EQUAL(gvtest_gvd_client_ok(&g, "rtapp", mode), 0);
}

/* What a worker logs when its client sent a bad message (one of the
 * parent's sequence numbers again, from a forked child): it drops the
 * connection.  (A client's plain exit may read "connection lost".) */
static int drops(void)
{
    return gvtest_file_lines(g.log, "dropping connection") +
           gvtest_file_lines(g.log, "failed: protocol error");
}

static void test_peer_answers_and_device_lists(void) { run("peer"); }
static void test_pools_locations_and_hints(void) { run("pools"); }
static void test_array_copies(void) { run("arrays"); }
static void test_textures_surfaces_mipmaps(void) { run("textures"); }
static void test_batched_copies(void) { run("batch"); }
static void test_ipc_answers(void) { run("ipc"); }
static void test_graph_nodes_user_objects(void) { run("graphs"); }
static void test_libraries_through_the_driver(void) { run("library"); }
static void test_driver_logs_and_notifications(void) { run("notify"); }
static void test_external_memory_and_semaphores(void) { run("external"); }

/* The child's calls fail, its exit touches nothing: the worker saw no
 * bad message and the parent's session works on (rtapp checks). */
static void test_fork_after_init_child_refused_parent_intact(void)
{
    int before = drops();

    run("fork");
    CU_ASSERT_EQUAL(drops(), before);
}

static void test_fork_before_init_child_has_own_session(void)
{
    int before = drops();

    run("forkfirst");
    CU_ASSERT_EQUAL(drops(), before);
}

static const gvtest_case_t cases[] = {
    { "peer_answers_and_device_lists", test_peer_answers_and_device_lists },
    { "pools_locations_and_hints", test_pools_locations_and_hints },
    { "array_copies", test_array_copies },
    { "textures_surfaces_mipmaps", test_textures_surfaces_mipmaps },
    { "batched_copies", test_batched_copies },
    { "ipc_answers", test_ipc_answers },
    { "graph_nodes_user_objects", test_graph_nodes_user_objects },
    { "libraries_through_the_driver", test_libraries_through_the_driver },
    { "driver_logs_and_notifications", test_driver_logs_and_notifications },
    { "external_memory_and_semaphores",
      test_external_memory_and_semaphores },
    { "fork_after_init_child_refused_parent_intact",
      test_fork_after_init_child_refused_parent_intact },
    { "fork_before_init_child_has_own_session",
      test_fork_before_init_child_has_own_session },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    return gvtest_gvd_main(argc, argv, &g, "runtime", cases);
}
