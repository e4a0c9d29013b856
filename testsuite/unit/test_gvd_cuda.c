/*
 * test_gvd_cuda.c - the driver API (libcuda.so.1) and NVML
 * (libnvidia-ml.so.1) end to end on gvd's simulated device: a real gvd,
 * real workers, and drvapp linked against our libraries.  The simulator
 * answers a subset of the driver API (gvd/sim/gvdsim.c); everything else
 * must come back as CUDA_ERROR_NOT_SUPPORTED, never a crash.
 */
#include "config.h"

#include "gvtest.h"
#include "gvtest_gvd.h"

static gvtest_gvd_t g;      /* one gvd for the whole suite */

static void run(const char *mode)
{
    CU_ASSERT_EQUAL(gvtest_gvd_client_ok(&g, "drvapp", mode), 0);
}

static void test_init_devices_primary_context(void) { run("basic"); }
static void test_memory_copies_pinned_attributes(void) { run("memory"); }
static void test_runtime_driver_interop(void) { run("interop"); }
static void test_forged_values_and_not_supported(void) { run("errors"); }
static void test_nvml_without_library(void) { run("nvml"); }

/* A child forked after cuInit is refused; the worker saw nothing of it
 * (a message from the child would make it drop the parent). */
static void test_fork_child_refused_parent_intact(void)
{
    int before = gvtest_file_lines(g.log, "dropping connection");

    run("fork");
    CU_ASSERT_EQUAL(gvtest_file_lines(g.log, "dropping connection"), before);
}

static const gvtest_case_t cases[] = {
    { "init_devices_primary_context", test_init_devices_primary_context },
    { "memory_copies_pinned_attributes",
      test_memory_copies_pinned_attributes },
    { "runtime_driver_interop", test_runtime_driver_interop },
    { "forged_values_and_not_supported",
      test_forged_values_and_not_supported },
    { "nvml_without_library", test_nvml_without_library },
    { "fork_child_refused_parent_intact",
      test_fork_child_refused_parent_intact },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    return gvtest_gvd_main(argc, argv, &g, "driver", cases);
}
