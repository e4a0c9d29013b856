"""Tests of gvgen (lib/gen).  Run from the repository root:

    python3 -m unittest lib/gen/test_gvgen.py

Standard library only.  Tests that need the CUDA headers or gcc skip
(counted as skipped) where those are missing.
"""

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gvgen                  # noqa: E402
import gvgen_annot as annot   # noqa: E402
import gvgen_cparse as cparse  # noqa: E402
import gvgen_emit as emit     # noqa: E402

CUDA_INCLUDE = gvgen.default_include()
HAVE_CUDA = os.path.isfile(os.path.join(CUDA_INCLUDE, "cuda_runtime_api.h"))
CUDART_API = os.path.join(HERE, "cudart.api")
need_cuda = unittest.skipUnless(HAVE_CUDA, "CUDA headers not found in %s"
                                % CUDA_INCLUDE)


def proto(text, name):
    return cparse.parse_text(textwrap.dedent(text)).protos[name]


def show(fn, name):
    return cparse.tidy(cparse.declare(fn, name))


# ---- C headers --------------------------------------------------------------

HEADER_PRELUDE = """
#define CUDARTAPI
#define CUDARTAPI_CDECL
#define CUDART_CB
#define __host__ __location__(host)
#define __location__(a) __annotate__(a)
#define __annotate__(a)
#if !defined(__dv)
#if defined(__cplusplus)
#define __dv(v) = v
#else
#define __dv(v)
#endif
#endif
typedef enum cudaError { cudaSuccess = 0, cudaErrorInvalidValue = 1 }
    cudaError_t;
typedef struct CUstream_st *cudaStream_t;
enum cudaMemcpyKind { cudaMemcpyHostToHost = 0 };
typedef void (CUDART_CB *cudaHostFn_t)(void *userData);
struct cudaExtent { size_t width, height, depth; };
"""


class TestHeaderParsing(unittest.TestCase):

    def parse(self, body):
        return cparse.parse_text(HEADER_PRELUDE + textwrap.dedent(body))

    def test_function_pointer_parameter(self):
        h = self.parse("""
            extern __host__ cudaError_t CUDARTAPI f(
                void (CUDART_CB *cb)(void *data, int n), int x);
            """)
        fn = h.protos["f"]
        self.assertEqual(len(fn.params), 2)
        cb = fn.params[0]
        self.assertEqual(cb.name, "cb")
        self.assertIsInstance(cb.type, cparse.Ptr)
        self.assertIsInstance(cb.type.to, cparse.Fn)
        self.assertEqual(cparse.wire_kind(h, cb.type), "fnptr")
        self.assertEqual(show(fn, "f"), "cudaError_t CUDARTAPI f(void (CUDART_CB "
                         "*cb)(void *data, int n), int x)")

    def test_typedef_function_pointer(self):
        h = self.parse("extern cudaError_t CUDARTAPI g(cudaStream_t s, "
                       "cudaHostFn_t fn, void *userData);")
        p = h.protos["g"].params
        self.assertEqual(cparse.wire_kind(h, p[0].type), "ptr")
        self.assertEqual(cparse.wire_kind(h, p[1].type), "fnptr")
        self.assertEqual(cparse.typedef_name(p[0].type), "cudaStream_t")

    def test_const_struct_pointer(self):
        h = self.parse("extern cudaError_t CUDARTAPI m(const struct "
                       "cudaExtent *e, struct cudaExtent byval);")
        p = h.protos["m"].params
        self.assertIsInstance(p[0].type, cparse.Ptr)
        self.assertTrue(cparse.is_const(p[0].type.to))
        self.assertEqual(cparse.wire_kind(h, p[0].type.to), "raw")
        self.assertEqual(cparse.wire_kind(h, p[1].type), "raw")
        self.assertEqual(cparse.tidy(cparse.declare(p[0].type, "e")),
                         "const struct cudaExtent *e")

    def test_arrays(self):
        h = self.parse("extern cudaError_t CUDARTAPI a(int dims[3], "
                       "char name[], const float *const *pp);")
        p = h.protos["a"].params
        self.assertIsInstance(p[0].type, cparse.Arr)
        self.assertEqual(p[0].type.dim, "3")
        self.assertEqual(p[1].type.dim, "")
        self.assertEqual(cparse.tidy(cparse.declare(p[1].type, "name")),
                         "char name[]")
        self.assertEqual(cparse.tidy(cparse.declare(p[2].type, "pp")),
                         "const float *const *pp")

    def test_enums(self):
        h = self.parse("extern cudaError_t CUDARTAPI e(enum cudaMemcpyKind "
                       "kind, cudaError_t err, unsigned long long x, "
                       "unsigned u, size_t n);")
        kinds = [cparse.wire_kind(h, p.type) for p in h.protos["e"].params]
        self.assertEqual(kinds, ["enum", "enum", "u64", "u32", "u64"])

    def test_default_arguments(self):
        h = self.parse("""
            extern cudaError_t CUDARTAPI d(void *p, size_t n __dv(0),
                cudaStream_t s __dv(0), enum cudaMemcpyKind k
                __dv(cudaMemcpyHostToHost));
            """)
        self.assertEqual(show(h.protos["d"], "d"), "cudaError_t CUDARTAPI d(void *p, "
                         "size_t n, cudaStream_t s, enum cudaMemcpyKind k)")

    def test_cplusplus_default_arguments_are_skipped(self):
        fn = proto("extern int f(int a = 3, void *p = 0);", "f")
        self.assertEqual([p.name for p in fn.params], ["a", "p"])

    def test_calling_conventions_kept(self):
        h = self.parse("""
            extern __host__ cudaError_t CUDARTAPI k(int a);
            extern const char* CUDARTAPI_CDECL n(cudaError_t e);
            """)
        self.assertEqual(h.protos["k"].cc, "CUDARTAPI")
        self.assertEqual(h.protos["n"].cc, "CUDARTAPI_CDECL")
        self.assertEqual(show(h.protos["n"].ret, ""), "const char *")

    def test_void_parameters_and_conditionals(self):
        h = self.parse("""
            #define VER 11020
            #if defined(__cplusplus)
            extern cudaError_t CUDARTAPI cpp_only(int a = 1);
            #elif VER >= 11010 && !defined(NOPE)
            extern cudaError_t CUDARTAPI c_view(void);
            #else
            extern cudaError_t CUDARTAPI never(void);
            #endif
            """)
        self.assertIn("c_view", h.protos)
        self.assertNotIn("cpp_only", h.protos)
        self.assertNotIn("never", h.protos)
        self.assertEqual(h.protos["c_view"].params, [])

    def test_definitions_and_attributes_are_skipped(self):
        h = self.parse("""
            static __inline__ int helper(int a) { return a + 1; }
            extern __attribute__((deprecated)) cudaError_t CUDARTAPI
                old(int a);
            struct cudaDev { int x; };
            """)
        self.assertIn("old", h.protos)
        self.assertIn("struct cudaDev", h.tags)

    @need_cuda
    def test_real_runtime_headers(self):
        spec = annot.load(CUDART_API)
        h, version, _ = gvgen.load_headers(spec, CUDA_INCLUDE)
        self.assertGreater(len(h.protos), 280)
        self.assertTrue(version.isdigit())
        cb = h.protos["cudaStreamAddCallback"].params[1]
        self.assertEqual(cparse.wire_kind(h, cb.type), "fnptr")
        self.assertEqual(show(h.protos["cudaMalloc"], "cudaMalloc"),
                         "cudaError_t CUDARTAPI cudaMalloc(void **devPtr, "
                         "size_t size)")
        attach = h.protos["cudaStreamAttachMemAsync"]
        self.assertEqual(len(attach.params), 4)   # the C, not C++, view
        self.assertEqual(cparse.wire_kind(h, h.protos[
            "cudaMemset3D"].params[0].type), "raw")


# ---- annotation language ----------------------------------------------------

API_HEAD = """\
library cudart node=libtest.so.1 map=libtest.map free=tFree
headers test.h
exports libtest.txt
kind stream GVD_H_STREAM cudaStream_t
"""


class TestAnnotationErrors(unittest.TestCase):

    def error(self, body):
        with self.assertRaises(annot.AnnotError) as cm:
            annot.parse(API_HEAD + textwrap.dedent(body), "x.api")
        return str(cm.exception)

    def assertAt(self, msg, line):
        self.assertTrue(msg.startswith("x.api:%d: " % line), msg)

    def test_unknown_annotation(self):
        self.assertAt(self.error("sync f a:sideways\n"), 5)

    def test_unknown_directive(self):
        self.assertAt(self.error("\n\nfrobnicate f\n"), 7)

    def test_unsupported_needs_reason(self):
        self.assertAt(self.error("unsupported f\n"), 5)

    def test_continuation_without_entry(self):
        msg = annot.AnnotError
        with self.assertRaises(msg) as cm:
            annot.parse("    a:out\n" + API_HEAD, "x.api")
        self.assertTrue(str(cm.exception).startswith("x.api:1: "))

    def test_continuation_joins_and_reports_first_line(self):
        msg = self.error("sync f a:out\n    b:in[n\n")
        self.assertAt(msg, 5)

    def test_unbalanced_brackets(self):
        self.assertAt(self.error("# c\nsync f a:in[n))\n"), 6)

    def test_duplicate_function(self):
        msg = self.error("sync f\nsync g\nhand f\n")
        self.assertAt(msg, 7)
        self.assertIn("line 5", msg)

    def test_pattern_on_remoted_function(self):
        self.assertAt(self.error("sync cuda*\n"), 5)

    def test_new_needs_kind(self):
        self.assertAt(self.error("sync f p:new:thing\n"), 5)

    def test_parameters_on_hand_function(self):
        self.assertAt(self.error("hand f p:out\n"), 5)

    def test_bad_check(self):
        self.assertAt(self.error("sync f check:dptr(p)count\n"), 5)

    def test_unterminated_block(self):
        self.assertAt(self.error("%{\nint x;\n"), 5)

    def test_good_file(self):
        spec = annot.parse(API_HEAD + textwrap.dedent("""\
            internal gvA gvB
            %{
            static inline int twice(int x) { return 2 * x; } # not a comment
            %}
            sync f p:out[n * 2]:new:stream q:alloc[*sz]:async
                check:dptr(s.ptr)[s.len] check:(n != 0)  # comment
            unsupported g* "because: reasons # here"
            """), "x.api")
        f = spec.exact["f"]
        self.assertEqual(f.params["p"].words(), "out[n * 2]:new:stream")
        self.assertEqual(f.params["q"].memkind, "GVD_MEM_ASYNC")
        self.assertEqual(len(f.checks), 2)
        self.assertEqual(spec.globs[0].note, "because: reasons # here")
        self.assertIn("# not a comment", spec.helpers)
        self.assertEqual([n for n, _ in spec.internals], ["gvA", "gvB"])

    def test_continuation_with_colon_goes_on_with_the_annotation(self):
        spec = annot.parse(API_HEAD + textwrap.dedent("""\
            sync f a:scalar[4]
                :pmode[m(d)]
                :wpmode[w(c, d)] b:out
            """), "x.api")
        f = spec.exact["f"]
        self.assertEqual(f.params["a"].words(),
                         "scalar[4]:pmode[m(d)]:wpmode[w(c, d)]")
        self.assertEqual(f.params["b"].words(), "out")


# ---- a small library end to end ---------------------------------------------

TEST_HEADER = HEADER_PRELUDE + """
struct big { int a[300]; };
extern cudaError_t CUDARTAPI tAlloc(void **p, size_t n);
extern cudaError_t CUDARTAPI tFree(void *p);
extern cudaError_t CUDARTAPI tFill(void *p, int v, size_t n,
                                   cudaStream_t s __dv(0));
extern cudaError_t CUDARTAPI tQuery(struct big *out, int device);
extern cudaError_t CUDARTAPI tList(cudaStream_t *items, size_t *n);
extern cudaError_t CUDARTAPI tName(char *buf, int len, int device);
extern cudaError_t CUDARTAPI tCreate(cudaStream_t *s);
extern cudaError_t CUDARTAPI tDestroy(cudaStream_t s);
extern cudaError_t CUDARTAPI tSync(cudaStream_t s);
extern cudaError_t CUDARTAPI tCb(cudaHostFn_t fn, void *arg);
extern const char *CUDARTAPI tErr(cudaError_t e);
"""


class SmallLibrary(unittest.TestCase):
    """A temporary directory with test.h, test.api and its export list."""

    EXPORTS = ["tAlloc", "tCb", "tCreate", "tDestroy", "tErr", "tFill",
               "tFill_ptsz", "tFree", "tList", "tName", "tQuery", "tSync",
               "tUnknown"]

    API = API_HEAD + textwrap.dedent("""\
        internal gvInternal
        sync tAlloc p:alloc[n]
        sync tFree p:free
        oneway tFill p:dptr[n]
        sync tQuery out:out device:dev
        sync tList items:out[*n]:new:stream n:inout
        sync tName buf:outstr[len] device:dev
        sync tCreate s:new:stream
        sync tDestroy s:del:stream
        syncflush tSync
        hand tCb
        local tErr
        hand tUnknown
        """)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="gvgen-test-")
        self.write("test.h", TEST_HEADER)
        self.write("libtest.txt", "".join(n + "\n" for n in self.EXPORTS))
        gvgen._HEADER_CACHE.clear()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def load(self, api=None):
        self.write("test.api", api if api is not None else self.API)
        return gvgen.load_library(os.path.join(self.dir, "test.api"),
                                  self.dir)

    def gen_error(self, api):
        with self.assertRaises(gvgen.GenError) as cm:
            self.load(api)
        return str(cm.exception)

    def test_roles_and_output(self):
        lib = self.load()
        files = gvgen.generate([lib])
        client = files["cudart_client_gen.c"]
        worker = files["gvd_cudart_gen.c"]
        status = {f.name: f.status for f in lib.funcs}
        self.assertEqual(status["tUnknown"], "hand")
        self.assertEqual(status["tErr"], "local")
        self.assertEqual(status["tFill_ptsz"], "remoted")   # shares tFill
        self.assertIn("gvd_mem_add(c->cl, *p, (size_t)(n), GVD_MEM_DEVICE)",
                      worker)
        self.assertIn("gvd_mem_del(c->cl, p) == 0", worker)
        self.assertIn("!gvd_mem_ok(c->cl, p, (size_t)(n))", worker)
        self.assertIn("gvd_handle_add(c->cl, GVD_H_STREAM, items[i])", worker)
        self.assertIn("gvd_handle_del(c->cl, GVD_H_STREAM, s)", worker)
        self.assertIn("gvd_rt(c)->tFill_ptsz(", worker)
        self.assertIn("if (device != 0)", worker)
        self.assertIn("gvrt_begin_dev(&gv_c, GV_API_tQuery, device,", client)
        self.assertIn("return gvrt_end_sync(&gv_c, gv_st);", client)
        self.assertIn("gv_st = gvg_oneway(&gv_c);", client)
        self.assertIn("gvg_dec_str_into(&gv_c.dec, buf, gv_n_buf);", client)
        # tFill_ptsz has no prototype of its own in the headers.
        self.assertIn("cudaError_t CUDARTAPI tFill_ptsz(void *p, int v, "
                      "size_t n,", client)
        self.assertNotIn("tCb(", client)
        self.assertNotIn("tErr(", client)
        rt = files["gvd_rt_list.h"]
        self.assertIn("GVD_RT_FN(cudaError_t, tCb, (cudaHostFn_t fn, "
                      "void *arg))", rt)
        self.assertNotIn("tUnknown", rt)           # no prototype
        ids = files["gv_api_cudart.h"]
        self.assertIn("#define GV_API_gvInternal 0x", ids)
        self.assertIn("#define GV_API_tUnknown 0x", ids)
        self.assertNotIn("GV_API_tErr", ids)

    def test_unannotated_export_is_unsupported(self):
        lib = self.load(self.API.replace("syncflush tSync\n", ""))
        f = [f for f in lib.funcs if f.name == "tSync"][0]
        self.assertEqual((f.status, f.note), ("unsupported",
                                              "not annotated"))
        client = gvgen.generate([lib])["cudart_client_gen.c"]
        self.assertIn('return gvrt_unsupported("tSync");', client)

    def test_export_without_prototype_must_be_hand_or_local(self):
        msg = self.gen_error(self.API.replace("hand tUnknown\n", ""))
        self.assertIn("tUnknown has no prototype", msg)

    def test_oneway_with_outputs_is_refused(self):
        msg = self.gen_error(self.API.replace("sync tCreate",
                                              "oneway tCreate"))
        self.assertRegex(msg, r"test\.api:\d+: tCreate: oneway")

    def test_type_errors_name_file_and_line(self):
        msg = self.gen_error(self.API.replace("sync tFree p:free",
                                              "sync tFree p:dev"))
        self.assertRegex(msg, r"test\.api:7: tFree: p: dev needs an int")
        msg = self.gen_error(self.API.replace("sync tQuery out:out",
                                              "sync tQuery"))
        self.assertRegex(msg, r"test\.api:9: tQuery: pointer parameter out")
        msg = self.gen_error(self.API.replace("sync tFree p:free",
                                              "sync tFree q:free"))
        self.assertRegex(msg, r"test\.api:7: tFree: no parameter q")
        msg = self.gen_error(self.API.replace("hand tCb", "sync tCb"))
        self.assertIn("function pointer", msg)

    def test_unused_annotations_are_errors(self):
        msg = self.gen_error(self.API + "sync tNothing\n")
        self.assertIn("tNothing is not an export", msg)
        msg = self.gen_error(self.API + "unsupported zz* \"x\"\n")
        self.assertIn("pattern zz* matches no export", msg)

    def test_unsupported_needs_error_return(self):
        msg = self.gen_error(self.API.replace("local tErr",
                                              "unsupported tErr \"x\""))
        self.assertIn("mark it local", msg)


# ---- ids --------------------------------------------------------------------


class TestIds(unittest.TestCase):

    def test_id_range_and_value(self):
        self.assertEqual(emit.fnv1a32(""), 0x811c9dc5)
        self.assertEqual(emit.fnv1a32("a"), 0xe40c292c)
        for name in ("cudaMalloc", "x", "gvKernelResolve"):
            self.assertTrue(0x1000 <= emit.api_id(name) <= 0x7fffffff)

    def test_collision_detected(self):
        # fn83918 and fn102606 map to the same id (found by search).
        self.assertEqual(emit.api_id("fn83918"), emit.api_id("fn102606"))
        with self.assertRaises(gvgen.GenError) as cm:
            gvgen.check_ids([("fn83918", "a.api:1"),
                             ("cudaMalloc", "a.api:2"),
                             ("fn102606", "a.api:3")])
        self.assertIn("fn83918", str(cm.exception))
        self.assertIn("a.api:3", str(cm.exception))
        gvgen.check_ids([("cudaMalloc", "a"), ("cudaFree", "b")])


# ---- the committed runtime outputs ------------------------------------------


@need_cuda
class TestCudart(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # Every library: the committed outputs are all of theirs.
        cls.libs = gvgen.load_all(gvgen.api_files(), CUDA_INCLUDE)
        cls.lib = [lib for lib in cls.libs if lib.name == "cudart"][0]
        cls.files = gvgen.generate(cls.libs)

    def test_deterministic(self):
        gvgen._HEADER_CACHE.clear()
        again = gvgen.generate(gvgen.load_all(gvgen.api_files(),
                                              CUDA_INCLUDE))
        self.assertEqual(again, self.files)

    def test_committed_outputs_are_current(self):
        self.assertEqual(gvgen.check_outputs(self.files, gvgen.DEFAULT_OUT,
                                             io.StringIO()), [])

    def test_every_export_exactly_once(self):
        exports = gvgen.read_exports(os.path.join(HERE, "exports",
                                                  "libcudart.so.13.txt"))
        self.assertEqual(len(exports), 422)
        self.assertEqual([f.name for f in self.lib.funcs], exports)
        counts = gvgen.counts(self.lib)
        self.assertEqual(counts["remoted"] + counts["hand"] +
                         counts["local"] + counts["unsupported"], 422)
        self.assertEqual(sum(f.note == "not annotated"
                             for f in self.lib.funcs), 0)
        mapped = [ln.strip().rstrip(";") for ln in
                  self.files["libcudart.map"].splitlines()
                  if ln.startswith("        ") and ln.strip() != "*;"]
        self.assertEqual(mapped, exports)
        client = self.files["cudart_client_gen.c"]
        for f in self.lib.funcs:
            defs = re.findall(r"(?:CUDARTAPI\s+|\n)%s\([^;{]*\)\n\{"
                              % re.escape(f.name), client)
            want = 1 if (f.remoted and f.mode != "wsync") or \
                f.status == "unsupported" else 0
            self.assertEqual(len(defs), want, f.name)

    @unittest.skipUnless(shutil.which("nm") and os.path.exists(
        "/usr/local/cuda/lib64/libcudart.so.13"), "no nm or libcudart")
    def test_export_list_matches_the_library(self):
        names = gvgen.nm_exports("/usr/local/cuda/lib64/libcudart.so.13")
        self.assertEqual(names, [f.name for f in self.lib.funcs])
        # NVIDIA's own library passes --verify-lib.
        self.assertEqual(gvgen.verify_library(
            self.lib, "/usr/local/cuda/lib64/libcudart.so.13"), [])

    def test_issue3_functions_remoted_or_hand(self):
        status = {f.name: f.status for f in self.lib.funcs}
        for name in ("cudaGetDeviceProperties", "cudaDeviceGetAttribute",
                     "cudaDeviceGetLimit", "cudaDeviceSetLimit",
                     "cudaDeviceGetPCIBusId", "cudaMemGetInfo", "cudaMemset",
                     "cudaMemset2D", "cudaMemset3D", "cudaMemsetAsync",
                     "cudaStreamCreateWithPriority", "cudaStreamQuery",
                     "cudaStreamSynchronize", "cudaStreamWaitEvent",
                     "cudaStreamGetAttribute", "cudaEventElapsedTime",
                     "cudaStreamBeginCapture", "cudaStreamEndCapture",
                     "cudaStreamIsCapturing", "cudaStreamGetCaptureInfo",
                     "cudaGraphInstantiate", "cudaGraphLaunch",
                     "cudaGraphUpload", "cudaGraphDestroy",
                     "cudaGraphExecDestroy", "cudaGraphGetNodes"):
            self.assertEqual(status[name], "remoted", name)
        for name in ("cudaMemcpy", "cudaMemcpy2DAsync_ptsz",
                     "__cudaRegisterFatBinary", "cudaLaunchKernel",
                     "cudaOccupancyMaxActiveBlocksPerMultiprocessor",
                     "cudaGetDriverEntryPointByVersion_ptsz"):
            self.assertEqual(status[name], "hand", name)
        modes = {f.name: f.mode for f in self.lib.funcs}
        self.assertEqual(modes["cudaStreamSynchronize_ptsz"], "syncflush")
        self.assertEqual(modes["cudaEventRecord_ptsz"], "oneway")

    def test_internal_ids(self):
        ids = self.files["gv_api_cudart.h"]
        for name in ("gvKernelResolve", "gvModuleEnsure", "gvMemcpyH2D",
                     "gvMemcpyD2H", "gvMemcpyChunk", "gvHostFnDone"):
            self.assertIn("#define GV_API_%s 0x" % name, ids)

    def test_dispatch_table_sorted(self):
        worker = self.files["gvd_cudart_gen.c"]
        table = worker[worker.index("gvd_cudart_gen_apis[] = {"):]
        names = [ln.split(",")[0].split("GV_API_")[1] for ln in
                 table.splitlines() if ln.startswith("    { GV_API_")]
        ids = [emit.api_id(n) for n in names]
        self.assertEqual(ids, sorted(ids))
        # remoted, and wsync (a hand-written client, a generated handler)
        self.assertEqual(len(names), sum(f.remoted for f in self.lib.funcs))

    def test_status_option(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(gvgen.main(["--status"]), 0)
        text = out.getvalue()
        self.assertIn("# cudart (", text)
        self.assertIn("cudart\tcudaMalloc\thand", text)
        self.assertIn("cudart\tcudaGraphicsMapResources\tunsupported\t", text)
        self.assertIn("cudart\tcudaIpcGetMemHandle\tremoted\tsync", text)

    def test_check_detects_stale_output(self):
        tmp = tempfile.mkdtemp(prefix="gvgen-check-")
        try:
            gvgen.write_outputs(self.files, tmp)
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                self.assertEqual(gvgen.main(["--check", "--out", tmp]), 0)
                path = os.path.join(tmp, "gv_api_cudart.h")
                with open(path, "a") as f:
                    f.write("/* edited by hand */\n")
                self.assertEqual(gvgen.main(["--check", "--out", tmp]), 1)
                os.remove(path)
                self.assertEqual(gvgen.main(["--check", "--out", tmp]), 1)
            self.assertIn("gv_api_cudart.h: missing", err.getvalue())
        finally:
            shutil.rmtree(tmp)

    @unittest.skipUnless(shutil.which(os.environ.get("CC", "gcc")),
                         "no C compiler")
    def test_generated_c_compiles_warning_free(self):
        r = subprocess.run(["sh", os.path.join(HERE, "test", "compile.sh")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


# ---- the driver API and NVML -------------------------------------------------

CUDA_API = os.path.join(HERE, "cuda.api")
NVML_API = os.path.join(HERE, "nvml.api")
STUB = os.path.join(os.path.dirname(CUDA_INCLUDE), "lib64", "stubs",
                    "libcuda.so")


@need_cuda
class TestDriverAndNvml(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.libs = gvgen.load_all(gvgen.api_files(), CUDA_INCLUDE)
        by = {lib.name: lib for lib in cls.libs}
        cls.cuda, cls.nvml = by["cuda"], by["nvml"]
        cls.files = gvgen.generate(cls.libs)

    def test_driver_every_export_once_and_80_percent(self):
        exports = gvgen.read_exports(os.path.join(HERE, "exports",
                                                  "libcuda.so.1.txt"))
        self.assertEqual(len(exports), 637)
        self.assertEqual([f.name for f in self.cuda.funcs], exports)
        c = gvgen.counts(self.cuda)
        self.assertEqual(sum(f.note == "not annotated"
                             for f in self.cuda.funcs), 0)
        self.assertGreaterEqual((c["remoted"] + c["hand"]) / 637, 0.80)

    def test_driver_map_is_unversioned(self):
        text = self.files["libcuda.map"]
        self.assertTrue(text.splitlines()[4] == "{", text[:300])
        self.assertIn("        cuMemAlloc_v2;", text)
        self.assertTrue(self.files["libnvidia-ml.map"].count("{") == 1)

    @unittest.skipUnless(shutil.which("nm") and os.path.exists(STUB),
                         "no nm or stub libcuda.so")
    def test_driver_exports_match_the_stub(self):
        self.assertEqual(gvgen.nm_exports(STUB),
                         [f.name for f in self.cuda.funcs])
        # The stub is unversioned, as our library must be.
        self.assertEqual(gvgen.verify_library(self.cuda, STUB), [])

    def test_driver_statuses(self):
        st = {f.name: f.status for f in self.cuda.funcs}
        mode = {f.name: f.mode for f in self.cuda.funcs}
        for n in ("cuMemAlloc_v2", "cuLaunchKernel", "cuLaunchKernel_ptsz",
                  "cuModuleLoadData", "cuCtxCreate_v4", "cuMemMap",
                  "cuGetProcAddress_v2", "cuMemCreate", "cuModuleUnload"):
            self.assertEqual(st[n], "hand", n)
        for n in ("cuMemsetD8_v2", "cuStreamCreate", "cuEventRecord_ptsz",
                  "cuGraphLaunch", "cuDeviceGetName", "cuTexObjectCreate"):
            self.assertEqual(st[n], "remoted", n)
        self.assertEqual(mode["cuStreamSynchronize_ptsz"], "syncflush")
        self.assertEqual(mode["cuMemCreate"], "wsync")
        self.assertEqual(st["cuMemAlloc"], "unsupported")   # 32-bit ABI

    def test_driver_worker_casts_integers(self):
        w = " ".join(self.files["gvd_cuda_gen.c"].split())
        client = " ".join(self.files["cuda_client_gen.c"].split())
        for want, text in (
                # Integer handles and device pointers are cast.
                ("gvd_handle_del(c->cl, GVD_H_TEXOBJ, "
                 "(void *)(uintptr_t)texObject)", w),
                ("gvd_handle_add(c->cl, GVD_H_MEMHANDLE, "
                 "(void *)(uintptr_t)*handle)", w),
                ("gvd_mem_ok(c->cl, (void *)(uintptr_t)dstDevice,", w),
                ("gvd_cuda(c)->cuMemsetD8_v2_ptds(", w),
                # wsync: the worker handler exists.
                ("static void h_cuMemCreate(gvd_call_t *c)", w),
                ("#define __CUDA_API_VERSION_INTERNAL 1", client),
                # CUdevice parameters route the call (devtype).
                ("gvcu_begin_dev(&gv_c, GV_API_cuDeviceGetName, dev,",
                 client)):
            self.assertTrue(want in text, want)
        # ... and the client stub of a wsync function does not.
        self.assertFalse("GVCU_API CUresult CUDAAPI cuMemCreate(" in client)

    def test_nvml_routes_device_handles(self):
        client = self.files["nvml_client_gen.c"]
        self.assertIn("gvnv_begin_route(&gv_c, GV_API_nvmlDeviceGetName, "
                      "device,", client)
        self.assertIn("gvc_enc_ptr(&gv_c.enc, gv_r_device);", client)
        self.assertIn("#define NVML_NO_UNVERSIONED_FUNC_DEFS 1", client)
        st = {f.name: f.status for f in self.nvml.funcs}
        self.assertEqual(st["nvmlInit_v2"], "hand")
        self.assertEqual(st["nvmlDeviceGetMemoryInfo"], "remoted")
        self.assertEqual(st["nvmlDeviceSetPersistenceMode"], "unsupported")
        self.assertEqual(st["nvmlErrorString"], "local")

    def test_status_md(self):
        text = gvgen.status_md(self.libs, CUDA_INCLUDE)
        for want in ("| cuda (libcuda.so.1) | 637 |",
                     "| `cuMemAlloc_v2` | hand | gpu, sim |",
                     "| `cuMemAlloc` | unsupported |  |",
                     "| `nvmlDeviceGetName` | remoted | gpu |"):
            self.assertTrue(want in text, want)


class TestNewAnnotations(SmallLibrary):
    """devtype/dptrtype defaults, integer handles, wsync, routed handles."""

    HEADER2 = TEST_HEADER + """
typedef int tDev;
typedef unsigned long long tPtr;
typedef unsigned long long tIntHandle;
typedef struct tObj_st *tObj;
extern cudaError_t CUDARTAPI tDevQuery(int *v, tDev d);
extern cudaError_t CUDARTAPI tPtrSet(tPtr p, size_t n);
extern cudaError_t CUDARTAPI tIntNew(tIntHandle *h);
extern cudaError_t CUDARTAPI tIntDel(tIntHandle h);
extern cudaError_t CUDARTAPI tObjName(tObj o, char *buf, int len);
"""

    def load2(self, extra, route=False):
        self.write("test.h", self.HEADER2)
        self.write("libtest.txt", "".join(n + "\n" for n in sorted(
            self.EXPORTS + ["tDevQuery", "tIntDel", "tIntNew", "tObjName",
                            "tPtrSet"])))
        api = self.API.replace(
            "internal gvInternal\n",
            "internal gvInternal\nkind ih GVD_H_IH tIntHandle\n"
            "kind obj GVD_H_OBJ tObj%s\ndevtype tDev\ndptrtype tPtr\n"
            % (" route" if route else ""))
        return self.load(api + extra)

    def test_defaults_and_integer_handles(self):
        lib = self.load2("sync tDevQuery v:out\nsync tPtrSet p:dptr[n]\n"
                         "wsync tIntNew h:new:ih\nsync tIntDel h:del:ih\n"
                         "sync tObjName buf:outstr[len]\n")
        files = gvgen.generate([lib])
        client, worker = files["cudart_client_gen.c"], files["gvd_cudart_gen.c"]
        self.assertIn("gvrt_begin_dev(&gv_c, GV_API_tDevQuery, d,", client)
        self.assertIn("gvc_enc_u64(&gv_c.enc, (uint64_t)p);", client)
        self.assertIn("gvd_mem_ok(c->cl, (void *)(uintptr_t)p, (size_t)(n))",
                      worker)
        flat = " ".join(worker.split())
        self.assertIn("gvd_handle_add(c->cl, GVD_H_IH, "
                      "(void *)(uintptr_t)*h)", flat)
        self.assertIn("h_tIntNew", worker)
        self.assertNotIn("tIntNew(tIntHandle", client)   # wsync
        st = {f.name: f.status for f in lib.funcs}
        self.assertEqual(st["tIntNew"], "hand")

    def test_32bit_integer_handles_are_widened_and_biased(self):
        # cufftHandle: an int; 0 may be a valid value, so the worker's
        # table keeps value + 1 (never NULL).
        self.write("test.h", self.HEADER2 + """
typedef int tSmall;
extern cudaError_t CUDARTAPI tSmallNew(tSmall *h);
extern cudaError_t CUDARTAPI tSmallUse(tSmall h, int v);
""")
        self.write("libtest.txt", "".join(n + "\n" for n in sorted(
            self.EXPORTS + ["tSmallNew", "tSmallUse"])))
        api = self.API.replace("internal gvInternal\n",
                               "internal gvInternal\n"
                               "kind sm GVD_H_SM tSmall\n")
        lib = self.load(api + "sync tSmallNew h:new:sm\nsync tSmallUse\n")
        files = gvgen.generate([lib])
        client, worker = files["cudart_client_gen.c"], files["gvd_cudart_gen.c"]
        flat = " ".join(worker.split())
        self.assertIn("gvc_enc_u64(&gv_c.enc, (uint64_t)h);", client)
        self.assertIn("h = (tSmall)gvg_u64(&c->dec);", flat)
        self.assertIn("gvd_handle_ok(c->cl, GVD_H_SM, (void *)(uintptr_t)"
                      "((uint64_t)(uint32_t)(h) + 1))", flat)
        self.assertIn("gvd_handle_add(c->cl, GVD_H_SM, (void *)(uintptr_t)"
                      "((uint64_t)(uint32_t)(*h) + 1))", flat)

    def test_routed_handles_need_begin_route(self):
        lib = self.load2("sync tObjName buf:outstr[len]\n", route=True)
        lib.p = dict(lib.p, begin_route="gvrt_begin_route")
        client = gvgen.generate([lib])["cudart_client_gen.c"]
        self.assertIn("gvrt_begin_route(&gv_c, GV_API_tObjName, o, &gv_r_o,",
                      client)


class TestMemoryLocations(SmallLibrary):
    """loc: device ordinals inside memory locations route the call and
    travel as the worker's 0."""

    HEADER3 = TEST_HEADER + """
enum cudaMemLocationType { cudaMemLocationTypeDevice = 1 };
struct cudaMemLocation { enum cudaMemLocationType type; int id; };
struct tProps { int kind; struct cudaMemLocation location; };
struct tDesc { struct cudaMemLocation location; int flags; };
extern cudaError_t CUDARTAPI tLocVal(void *p, struct cudaMemLocation l);
extern cudaError_t CUDARTAPI tLocProps(cudaStream_t *s,
                                       const struct tProps *props);
extern cudaError_t CUDARTAPI tLocList(const struct tDesc *d, size_t n);
extern cudaError_t CUDARTAPI tLocDev(struct cudaMemLocation *l, int device);
"""
    NAMES = ["tLocDev", "tLocList", "tLocProps", "tLocVal"]

    def load3(self, extra):
        self.write("test.h", self.HEADER3)
        self.write("libtest.txt", "".join(n + "\n" for n in sorted(
            self.EXPORTS + self.NAMES)))
        return self.load(self.API + extra)

    def test_locations_route_and_translate(self):
        lib = self.load3("sync tLocVal p:dptr location:loc\n"
                         "sync tLocProps s:new:stream props:loc[location]\n"
                         "sync tLocList d:in[n]:loc[location]\n"
                         "hand tLocDev\n".replace("location:loc", "l:loc"))
        files = gvgen.generate([lib])
        client = " ".join(files["cudart_client_gen.c"].split())
        worker = " ".join(files["gvd_cudart_gen.c"].split())
        self.assertIn("gv_lr = gvg_loc_route(&l, &gv_dev);", client)
        self.assertIn("gvg_loc_send(&l);", client)
        self.assertIn("gv_l_props = *props;", client)
        self.assertIn("gvg_loc_route(&gv_l_props.location, &gv_dev)", client)
        self.assertIn("gvc_enc_raw(&gv_c.enc, &gv_l_props, "
                      "sizeof(gv_l_props));", client)
        self.assertIn("gvg_loc_route(&d[gv_i].location, &gv_dev)", client)
        self.assertIn("GVG_LOC_OFF(d, location)", client)
        self.assertIn("gv_dev >= 0 ? gvrt_begin_dev(&gv_c, GV_API_tLocVal, "
                      "gv_dev, ", client)
        self.assertIn("return gvrt_unsupported(\"tLocList on two GPUs\");",
                      client)
        self.assertIn("if (!gvg_loc_ours(&l)) { res = cudaErrorInvalidDevice;",
                      worker)
        self.assertIn("props != NULL && !gvg_loc_ours(&props->location)",
                      worker)
        self.assertIn("!gvg_loc_ours(&d[i].location)", worker)
        self.assertIn("static inline int gvg_loc_ours(", worker)

    def test_location_errors(self):
        self.write("test.h", self.HEADER3)
        self.write("libtest.txt", "".join(n + "\n" for n in sorted(
            self.EXPORTS + self.NAMES)))
        msg = self.gen_error(self.API + "sync tLocDev l:in:loc device:dev\n"
                             "hand tLocL* \nhand tLocP*\nhand tLocV*\n")
        self.assertIn("memory locations route the call", msg)
        msg = self.gen_error(self.API + "sync tLocVal p:dptr:loc l:loc\n"
                             "hand tLocD*\nhand tLocL*\nhand tLocP*\n")
        self.assertIn("p: loc needs a struct", msg)
        with self.assertRaises(annot.AnnotError):
            annot.parse(API_HEAD + "sync f p:loc[a-b]\n", "x.api")
# ---- cuBLAS-style annotations ------------------------------------------------

BLAS_HEADER = """
#define TAPI
typedef enum { CUBLAS_STATUS_SUCCESS = 0, T_BAD = 7 } cublasStatus_t;
typedef enum { T_HOST = 0, T_DEV = 1 } tMode_t;
typedef struct tCtx *tHandle_t;
typedef struct tDesc *tDesc_t;
typedef struct CUstream_st *cudaStream_t;
cublasStatus_t TAPI tCreate(tHandle_t *handle);
cublasStatus_t TAPI tDestroy(tHandle_t handle);
cublasStatus_t TAPI tSetMode(tHandle_t handle, tMode_t mode);
cublasStatus_t TAPI tAxpy(tHandle_t handle, int n, const float *alpha,
                     const float *x, float *y);
cublasStatus_t TAPI tDot(tHandle_t handle, int n, const float *x, float *result);
cublasStatus_t TAPI tEx(tHandle_t handle, const void *alpha, int type,
                   const float *const Aarray[], void *work, size_t size);
cublasStatus_t TAPI tMat(tHandle_t handle, tDesc_t a, tDesc_t b, cudaStream_t s);
"""

BLAS_LEGACY = """
#define TAPI
void TAPI tOld(int n);
float TAPI tOldDot(int n);
"""

BLAS_API = """\
library cublas node=libt.so.1 map=libt.map
headers t.h
view legacy told.h
exports libt.txt
kind th GVD_H_CUBLAS tHandle_t route=T_K_HANDLE
kind td GVD_H_LT_LAYOUT tDesc_t route=T_K_DESC
kind stream GVD_H_STREAM cudaStream_t
pmode t_pmode(handle) t_wpmode(c,handle)
param alpha scalar
param x dptr
param y dptr
param Aarray dptr
proto cublasStatus_t TAPI tHalf(tHandle_t handle, const unsigned short *alpha,
        unsigned short *C)
param C dptr
sync tCreate handle:new:th post:(t_wrap(&gv_c, handle))
sync tDestroy handle:del:th post:(t_forget(handle))
sync tSetMode post:(t_note(handle, mode))
oneway tAxpy
oneway tDot result:scalar:out
oneway tEx alpha:scalar[type * 2] work:dptr[size]:opt
oneway tMat b:td:opt
oneway tHalf
unsupported tOld "old"
unsupported tOldDot "old"
"""


class TestBlasAnnotations(unittest.TestCase):
    """Route tags, translated handles, pointer-mode scalars, param
    defaults, opt, post hooks, proto lines and a secondary view."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="gvgen-test-")
        for name, text in (("t.h", BLAS_HEADER), ("told.h", BLAS_LEGACY),
                           ("libt.txt", "".join(n + "\n" for n in sorted(
                               ["tCreate", "tDestroy", "tSetMode", "tAxpy",
                                "tDot", "tEx", "tMat", "tHalf", "tOld",
                                "tOldDot"])))):
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        gvgen._HEADER_CACHE.clear()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def load(self, api=BLAS_API):
        with open(os.path.join(self.dir, "t.api"), "w") as f:
            f.write(api)
        return gvgen.load_library(os.path.join(self.dir, "t.api"), self.dir)

    def test_generated_shapes(self):
        lib = self.load()
        files = gvgen.generate([lib])
        client = " ".join(files["cublas_client_gen.c"].split())
        worker = " ".join(files["gvd_cublas_gen.c"].split())
        legacy = files["cublas_legacy_client_gen.c"]
        # Routed by the handle's record, with its tag.
        self.assertIn("gvbl_begin_route(&gv_c, GV_API_tAxpy, handle, "
                      "T_K_HANDLE, &gv_r_handle, 0)", client)
        # A second routed handle is translated, and may be NULL.
        self.assertIn("gvbl_xlate(&gv_c, b, T_K_DESC, &gv_r_b)", client)
        self.assertIn("b != NULL && !gvd_handle_ok(c->cl, GVD_H_LT_LAYOUT, b)",
                      worker)
        self.assertIn("!gvd_handle_ok(c->cl, GVD_H_LT_LAYOUT, a)", worker)
        # Scalars: tag, value or pointer, checked against the mode.
        self.assertIn("gv_pm_alpha = (t_pmode(handle)) != 0;", client)
        self.assertIn("gvg_enc_scalar(&gv_c.enc, alpha, gv_pm_alpha, "
                      "gv_b_alpha, 1);", client)
        self.assertIn("alpha = (const float *)gvg_scalar_ptr(c, &alpha_s, "
                      "sizeof(float), t_wpmode(c,handle), 1, &gvg_bad);",
                      worker)
        self.assertIn("size_t gv_b_alpha = (size_t)(type * 2);", client)
        # A host result makes the one-way call wait.
        self.assertIn("gv_wait = (result != NULL && !gv_pm_result);", client)
        self.assertIn("gv_st = gv_wait ? gvg_sync(&gv_c, 0) : "
                      "gvg_oneway(&gv_c);", client)
        self.assertIn("gvg_dec_into(&gv_c.dec, result, gv_b_result, 1);",
                      client)
        self.assertIn("gvc_enc_array(&c->enc, result_s.b, (uint32_t)"
                      "sizeof(float), 1);", worker)
        # Defaults by name, arrays as pointers, opt.
        self.assertIn("!gvd_mem_ok(c->cl, x, 0)", worker)
        self.assertIn("const float *const *Aarray;", worker)
        self.assertIn("work != NULL && !gvd_mem_ok(c->cl, work, "
                      "(size_t)(size))", worker)
        # Post hooks run after success only.
        self.assertIn("gv_post = (t_wrap(&gv_c, handle));", client)
        self.assertIn("return gv_err == CUBLAS_STATUS_SUCCESS ? gv_post : "
                      "gv_err;", client)
        # proto lines: declared before their stub.
        self.assertIn("GVBL_API cublasStatus_t tHalf(tHandle_t handle, const "
                      "unsigned short *alpha, unsigned short *C);", client)
        # The view's stubs live in their own file, zero-returning.
        self.assertIn("#include <told.h>", legacy)
        self.assertIn('gvbl_unsupported_other("tOld");', legacy)
        self.assertIn("memset(&gv_zero, 0, sizeof(gv_zero));", legacy)
        self.assertNotIn("tOld", files["cublas_client_gen.c"])
        self.assertIn("        tOldDot;", files["libt.map"])

    def test_errors(self):
        def err(api):
            with self.assertRaises(gvgen.GenError) as cm:
                self.load(api)
            return str(cm.exception)
        self.assertIn("give the scalar's size",
                      err(BLAS_API.replace("alpha:scalar[type * 2]",
                                           "alpha:scalar")))
        self.assertIn("declared only in view legacy",
                      err(BLAS_API.replace('unsupported tOld "old"',
                                           "sync tOld")))
        self.assertIn("scalar needs the pointer mode",
                      err(BLAS_API.replace(
                          "pmode t_pmode(handle) t_wpmode(c,handle)\n", "")))
        self.assertIn("cannot be opt", err(BLAS_API.replace(
            "oneway tMat b:td:opt", "oneway tMat handle:th:opt")))
        with self.assertRaises(annot.AnnotError):
            self.load(BLAS_API + "proto\n")


@need_cuda
class TestCublas(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.libs = gvgen.load_all(gvgen.api_files(), CUDA_INCLUDE)
        cls.lib = [lib for lib in cls.libs if lib.name == "cublas"][0]
        cls.files = gvgen.generate(cls.libs)

    def test_every_export_once(self):
        exports = gvgen.read_exports(os.path.join(HERE, "exports",
                                                  "libcublas.so.13.txt"))
        self.assertEqual(len(exports), 756)
        self.assertEqual([f.name for f in self.lib.funcs], exports)
        self.assertEqual(sum(f.note == "not annotated"
                             for f in self.lib.funcs), 0)

    def test_map_has_nvidias_node(self):
        text = self.files["libcublas.map"]
        self.assertIn("libcublas.so.13 {", text)
        self.assertIn("        cublasSgemm_v2;", text)
        self.assertIn("        cublasSgemm;", text)

    def test_statuses(self):
        st = {f.name: (f.status, f.mode) for f in self.lib.funcs}
        self.assertEqual(st["cublasSgemm_v2"], ("remoted", "oneway"))
        self.assertEqual(st["cublasHgemm"], ("remoted", "oneway"))
        self.assertEqual(st["cublasSdot_v2"], ("remoted", "oneway"))
        self.assertEqual(st["cublasCreate_v2"], ("remoted", "sync"))
        self.assertEqual(st["cublasSgemm"][0], "unsupported")   # legacy
        self.assertEqual(st["cublasXtSgemm"][0], "unsupported")
        self.assertIn("cublasSgemm(", self.files[
            "cublas_legacy_client_gen.c"])


class TestCufft(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.libs = gvgen.load_all(gvgen.api_files(), CUDA_INCLUDE)
        cls.lib = [lib for lib in cls.libs if lib.name == "cufft"][0]
        cls.files = gvgen.generate(cls.libs)

    def test_every_export_once(self):
        exports = gvgen.read_exports(os.path.join(HERE, "exports",
                                                  "libcufft.so.12.txt"))
        self.assertEqual(len(exports), 58)
        self.assertEqual([f.name for f in self.lib.funcs], exports)
        self.assertEqual(sum(f.note == "not annotated"
                             for f in self.lib.funcs), 0)

    def test_pytorch_functions_remoted(self):
        st = {f.name: (f.status, f.mode) for f in self.lib.funcs}
        for name in ("cufftCreate", "cufftDestroy", "cufftXtMakePlanMany"):
            self.assertEqual(st[name], ("remoted", "sync"))
        for name in ("cufftSetAutoAllocation", "cufftSetStream",
                     "cufftSetWorkArea", "cufftXtExec", "cufftExecC2C"):
            self.assertEqual(st[name], ("remoted", "oneway"))
        self.assertEqual(st["cufftXtSetCallback"][0], "unsupported")
        self.assertEqual(st["cufftGetVersion"][0], "local")

    def test_plans_route_as_numbers(self):
        client = self.files["cufft_client_gen.c"]
        self.assertIn("gvfft_begin_route(&gv_c, GV_API_cufftXtExec, plan,",
                      client)
        self.assertIn("libcufft.so.12 {", self.files["libcufft.map"])


if __name__ == "__main__":
    unittest.main()
