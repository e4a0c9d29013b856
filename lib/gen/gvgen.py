#!/usr/bin/env python3
"""gvgen - generate gvirtus's API code from NVIDIA's headers, NVIDIA's
export list and an annotation file (lib/gen/*.api).

    python3 lib/gen/gvgen.py            regenerate lib/gen/out/
    python3 lib/gen/gvgen.py --check    fail if lib/gen/out/ is stale
    python3 lib/gen/gvgen.py --status   per-function status and counts
    python3 lib/gen/gvgen.py --refresh-exports /usr/local/cuda/lib64/libcudart.so.13
    python3 lib/gen/gvgen.py --api lib/gen/cudart.api --verify-lib OURS.so

Standard library only.  Output depends only on the inputs (no dates, no
absolute paths), so it is committed and the C build never runs Python.
See lib/gen/README.md and docs/generator.md.
"""

import argparse
import copy
import difflib
import glob
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gvgen_annot as annot    # noqa: E402
import gvgen_cparse as cparse  # noqa: E402
from gvgen_emit import api_id, emit_library  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "out")


class GenError(Exception):
    pass


# ---- per-library C names -----------------------------------------------------

# What the generated C calls for each library.  The annotation file names
# the library; everything library-specific in the output comes from here.
PROFILES = {
    "cudart": {
        "ret": "cudaError_t",
        "success": "cudaSuccess",
        "err_value": "cudaErrorInvalidValue",
        "err_device": "cudaErrorInvalidDevice",
        "api_macro": "GVRT_API",
        "client_header": "gvrt.h",
        "begin": "gvrt_begin",
        "begin_dev": "gvrt_begin_dev",
        "ok": "gvrt_ok",
        "end": "gvrt_end",
        "end_sync": "gvrt_end_sync",
        "fail": "gvrt_fail",
        "unsupported": "gvrt_unsupported",
        "gvd_lib": "GVD_LIB_CUDART",
        "rt_fn": "GVD_RT_FN",
        "rt_get": "gvd_rt",
        "rt_header": "gvd_rt.h",
        "free_fn": "cudaFree",
        "loc_type": "struct cudaMemLocation",
        "loc_device": "cudaMemLocationTypeDevice",
        "err_notsup": "cudaErrorNotSupported",
        "files": {
            "api": "gv_api_cudart.h",
            "client": "cudart_client_gen.c",
            "worker": "gvd_cudart_gen.c",
            "rt_list": "gvd_rt_list.h",
        },
    },
    "cuda": {
        "ret": "CUresult",
        "success": "CUDA_SUCCESS",
        "err_value": "CUDA_ERROR_INVALID_VALUE",
        "err_device": "CUDA_ERROR_INVALID_DEVICE",
        "api_macro": "GVCU_API",
        "client_header": "gvcu.h",
        "begin": "gvcu_begin",
        "begin_dev": "gvcu_begin_dev",
        "ok": "gvcu_ok",
        "end": "gvcu_end",
        "end_sync": "gvcu_end_sync",
        "fail": "gvcu_fail",
        "unsupported": "gvcu_unsupported",
        "gvd_lib": "GVD_LIB_CUDA",
        "rt_fn": "GVD_DRV_FN",
        "rt_get": "gvd_cuda",
        "rt_header": "gvd_cuda.h",
        "free_fn": "cuMemFree_v2",
        "cast_checks": True,
        "loc_type": "CUmemLocation",
        "loc_device": "CU_MEM_LOCATION_TYPE_DEVICE",
        "err_notsup": "CUDA_ERROR_NOT_SUPPORTED",
        "files": {
            "api": "gv_api_cuda.h",
            "client": "cuda_client_gen.c",
            "worker": "gvd_cuda_gen.c",
            "rt_list": "gvd_drv_list.h",
        },
    },
    "nvml": {
        "ret": "nvmlReturn_t",
        "success": "NVML_SUCCESS",
        "err_value": "NVML_ERROR_INVALID_ARGUMENT",
        "err_device": "NVML_ERROR_INVALID_ARGUMENT",
        "api_macro": "GVNV_API",
        "client_header": "gvnv.h",
        "begin": "gvnv_begin",
        "begin_dev": "gvnv_begin_dev",
        "begin_route": "gvnv_begin_route",
        "ok": "gvnv_ok",
        "end": "gvnv_end",
        "end_sync": "gvnv_end",
        "fail": "gvnv_fail",
        "unsupported": "gvnv_unsupported",
        "gvd_lib": "GVD_LIB_NVML",
        "rt_fn": "GVD_NVML_FN",
        "rt_get": "gvd_nvml",
        "rt_header": "gvd_nvml.h",
        "free_fn": None,
        "cast_checks": True,
        "files": {
            "api": "gv_api_nvml.h",
            "client": "nvml_client_gen.c",
            "worker": "gvd_nvml_gen.c",
            "rt_list": "gvd_nvml_list.h",
        },
    },
    "cublas": {
        "ret": "cublasStatus_t",
        "success": "CUBLAS_STATUS_SUCCESS",
        "err_value": "CUBLAS_STATUS_INVALID_VALUE",
        "err_device": "CUBLAS_STATUS_INVALID_VALUE",
        "api_macro": "GVBL_API",
        "client_header": "gvbl.h",
        "begin": "gvbl_begin",
        "begin_dev": "gvbl_begin_dev",
        "begin_route": "gvbl_begin_route",
        "xlate": "gvbl_xlate",
        "abort": "gvbl_abort",
        "ok": "gvbl_ok",
        "end": "gvbl_end",
        "end_sync": "gvbl_end",
        "fail": "gvbl_fail",
        "unsupported": "gvbl_unsupported",
        "unsupported_other": "gvbl_unsupported_other",
        "gvd_lib": "GVD_LIB_CUBLAS",
        "rt_fn": "GVD_CUBLAS_FN",
        "rt_get": "gvd_cublas",
        "rt_header": "gvd_blas.h",
        "free_fn": None,
        "files": {
            "api": "gv_api_cublas.h",
            "client": "cublas_client_gen.c",
            "worker": "gvd_cublas_gen.c",
            "rt_list": "gvd_cublas_list.h",
        },
    },
    # cuBLASLt shares cuBLAS's call plumbing (lib/cublas/cublas_call.c is
    # compiled into both libraries): the same status type and errors.
    "cublasLt": {
        "ret": "cublasStatus_t",
        "success": "CUBLAS_STATUS_SUCCESS",
        "err_value": "CUBLAS_STATUS_INVALID_VALUE",
        "err_device": "CUBLAS_STATUS_INVALID_VALUE",
        "api_macro": "GVLT_API",
        "client_header": "gvlt.h",
        "begin": "gvbl_begin",
        "begin_dev": "gvbl_begin_dev",
        "begin_route": "gvbl_begin_route",
        "xlate": "gvbl_xlate",
        "abort": "gvbl_abort",
        "ok": "gvbl_ok",
        "end": "gvbl_end",
        "end_sync": "gvbl_end",
        "fail": "gvbl_fail",
        "unsupported": "gvbl_unsupported",
        "gvd_lib": "GVD_LIB_CUBLASLT",
        "rt_fn": "GVD_CUBLASLT_FN",
        "rt_get": "gvd_cublaslt",
        "rt_header": "gvd_blas.h",
        "free_fn": None,
        "files": {
            "api": "gv_api_cublaslt.h",
            "client": "cublaslt_client_gen.c",
            "worker": "gvd_cublaslt_gen.c",
            "rt_list": "gvd_cublaslt_list.h",
        },
    },
    # cuDNN: the shared call plumbing (lib/gvf_libcall.h) with cuDNN's
    # statuses (lib/cudnn/cudnn_call.c), records like cuBLASLt's
    # (gvf_obj.h) for handles and descriptors.
    "cudnn": {
        "ret": "cudnnStatus_t",
        "success": "CUDNN_STATUS_SUCCESS",
        "err_value": "CUDNN_STATUS_BAD_PARAM",
        "err_device": "CUDNN_STATUS_BAD_PARAM",
        "api_macro": "GVDN_API",
        "client_header": "gvdn.h",
        "begin": "gvdn_begin",
        "begin_dev": "gvdn_begin_dev",
        "begin_route": "gvdn_begin_route",
        "xlate": "gvdn_xlate",
        "abort": "gvdn_abort",
        "ok": "gvdn_ok",
        "end": "gvdn_end",
        "end_sync": "gvdn_end",
        "fail": "gvdn_fail",
        "unsupported": "gvdn_unsupported",
        "gvd_lib": "GVD_LIB_CUDNN",
        "rt_fn": "GVD_CUDNN_FN",
        "rt_get": "gvd_cudnn",
        "rt_header": "gvd_dnn.h",
        "free_fn": None,
        "files": {
            "api": "gv_api_cudnn.h",
            "client": "cudnn_client_gen.c",
            "worker": "gvd_cudnn_gen.c",
            "rt_list": "gvd_cudnn_list.h",
        },
    },
    # cuRAND's host API: the shared call plumbing (lib/gvf_libcall.h)
    # with cuRAND's statuses (lib/curand/rand_call.c), generators as
    # records (gvf_obj.h).  cuRAND has no not-supported
    # status: ARCH_MISMATCH ("GPU does not support requested feature")
    # is the nearest.
    "curand": {
        "ret": "curandStatus_t",
        "success": "CURAND_STATUS_SUCCESS",
        "err_value": "CURAND_STATUS_OUT_OF_RANGE",
        "err_device": "CURAND_STATUS_OUT_OF_RANGE",
        "api_macro": "GVRN_API",
        "client_header": "gvrn.h",
        "begin": "gvrn_begin",
        "begin_dev": "gvrn_begin_dev",
        "begin_route": "gvrn_begin_route",
        "xlate": "gvrn_xlate",
        "abort": "gvrn_abort",
        "ok": "gvrn_ok",
        "end": "gvrn_end",
        "end_sync": "gvrn_end",
        "fail": "gvrn_fail",
        "unsupported": "gvrn_unsupported",
        "gvd_lib": "GVD_LIB_CURAND",
        "rt_fn": "GVD_CURAND_FN",
        "rt_get": "gvd_curand",
        "rt_header": "gvd_rand.h",
        "free_fn": None,
        "files": {
            "api": "gv_api_curand.h",
            "client": "curand_client_gen.c",
            "worker": "gvd_curand_gen.c",
            "rt_list": "gvd_curand_list.h",
        },
    },
    # cuSOLVER: the shared call plumbing (lib/gvf_libcall.h) with
    # cuSOLVER's statuses (lib/cusolver/cusolver_call.c), records
    # (gvf_obj.h) for handles, parameters and Jacobi settings.
    "cusolver": {
        "ret": "cusolverStatus_t",
        "success": "CUSOLVER_STATUS_SUCCESS",
        "err_value": "CUSOLVER_STATUS_INVALID_VALUE",
        "err_device": "CUSOLVER_STATUS_INVALID_VALUE",
        "api_macro": "GVSO_API",
        "client_header": "gvso.h",
        "begin": "gvso_begin",
        "begin_dev": "gvso_begin_dev",
        "begin_route": "gvso_begin_route",
        "xlate": "gvso_xlate",
        "abort": "gvso_abort",
        "ok": "gvso_ok",
        "end": "gvso_end",
        "end_sync": "gvso_end",
        "fail": "gvso_fail",
        "unsupported": "gvso_unsupported",
        "gvd_lib": "GVD_LIB_CUSOLVER",
        "rt_fn": "GVD_CUSOLVER_FN",
        "rt_get": "gvd_cusolver",
        "rt_header": "gvd_solver.h",
        "free_fn": None,
        "files": {
            "api": "gv_api_cusolver.h",
            "client": "cusolver_client_gen.c",
            "worker": "gvd_cusolver_gen.c",
            "rt_list": "gvd_cusolver_list.h",
        },
    },
    # cuFFT: the shared call plumbing (lib/gvf_libcall.h) with cuFFT's
    # statuses and plans (lib/cufft/cufft_call.c).  A plan
    # (cufftHandle) is an int: the program holds a number of ours that
    # names a record (gvf_obj.h) of the worker's plan.
    "cufft": {
        "ret": "cufftResult",
        "success": "CUFFT_SUCCESS",
        "err_value": "CUFFT_INVALID_VALUE",
        "err_device": "CUFFT_INVALID_DEVICE",
        "api_macro": "GVFFT_API",
        "client_header": "gvfft.h",
        "begin": "gvfft_begin",
        "begin_dev": "gvfft_begin_dev",
        "begin_route": "gvfft_begin_route",
        "abort": "gvfft_abort",
        "ok": "gvfft_ok",
        "end": "gvfft_end",
        "end_sync": "gvfft_end",
        "fail": "gvfft_fail",
        "unsupported": "gvfft_unsupported",
        "gvd_lib": "GVD_LIB_CUFFT",
        "rt_fn": "GVD_CUFFT_FN",
        "rt_get": "gvd_cufft",
        "rt_header": "gvd_fft.h",
        "free_fn": None,
        "files": {
            "api": "gv_api_cufft.h",
            "client": "cufft_client_gen.c",
            "worker": "gvd_cufft_gen.c",
            "rt_list": "gvd_cufft_list.h",
        },
    },
    # NVRTC: the shared call plumbing (lib/gvf_libcall.h) with NVRTC's
    # statuses (lib/nvrtc/nvrtc_call.c), programs as
    # records (gvf_obj.h).  NVRTC has no not-supported status:
    # NVRTC_ERROR_INTERNAL_ERROR is the nearest.
    "nvrtc": {
        "ret": "nvrtcResult",
        "success": "NVRTC_SUCCESS",
        "err_value": "NVRTC_ERROR_INVALID_INPUT",
        "err_device": "NVRTC_ERROR_INVALID_INPUT",
        "api_macro": "GVNR_API",
        "client_header": "gvnr.h",
        "begin": "gvnr_begin",
        "begin_dev": "gvnr_begin_dev",
        "begin_route": "gvnr_begin_route",
        "xlate": "gvnr_xlate",
        "abort": "gvnr_abort",
        "ok": "gvnr_ok",
        "end": "gvnr_end",
        "end_sync": "gvnr_end",
        "fail": "gvnr_fail",
        "unsupported": "gvnr_unsupported",
        "gvd_lib": "GVD_LIB_NVRTC",
        "rt_fn": "GVD_NVRTC_FN",
        "rt_get": "gvd_nvrtc",
        "rt_header": "gvd_rtc.h",
        "free_fn": None,
        "files": {
            "api": "gv_api_nvrtc.h",
            "client": "nvrtc_client_gen.c",
            "worker": "gvd_nvrtc_gen.c",
            "rt_list": "gvd_nvrtc_list.h",
        },
    },
    # cuSPARSE: the shared call plumbing (lib/gvf_libcall.h) with
    # cuSPARSE's statuses (lib/cusparse/cusparse_call.c), records
    # (gvf_obj.h) for the handle, descriptors and info objects.
    "cusparse": {
        "ret": "cusparseStatus_t",
        "success": "CUSPARSE_STATUS_SUCCESS",
        "err_value": "CUSPARSE_STATUS_INVALID_VALUE",
        "err_device": "CUSPARSE_STATUS_INVALID_VALUE",
        "api_macro": "GVSP_API",
        "client_header": "gvsp.h",
        "begin": "gvsp_begin",
        "begin_dev": "gvsp_begin_dev",
        "begin_route": "gvsp_begin_route",
        "xlate": "gvsp_xlate",
        "abort": "gvsp_abort",
        "ok": "gvsp_ok",
        "end": "gvsp_end",
        "end_sync": "gvsp_end",
        "fail": "gvsp_fail",
        "unsupported": "gvsp_unsupported",
        "gvd_lib": "GVD_LIB_CUSPARSE",
        "rt_fn": "GVD_CUSPARSE_FN",
        "rt_get": "gvd_cusparse",
        "rt_header": "gvd_sparse.h",
        "free_fn": None,
        "files": {
            "api": "gv_api_cusparse.h",
            "client": "cusparse_client_gen.c",
            "worker": "gvd_cusparse_gen.c",
            "rt_list": "gvd_cusparse_list.h",
        },
    },
}


# ---- ids ---------------------------------------------------------------------


def check_ids(names):
    """names: iterable of (name, where).  GenError on a collision."""
    seen = {}
    for name, where in names:
        i = api_id(name)
        if i in seen and seen[i][0] != name:
            raise GenError("id collision: %s (%s) and %s (%s) both map to "
                           "%#x; rename one or change the id function"
                           % (seen[i][0], seen[i][1], name, where, i))
        seen[i] = (name, where)


# ---- model -------------------------------------------------------------------

VARIANT_RE = re.compile(r"^(.*)_(ptds|ptsz)$")

# Worker locals are named after the parameters; these names are taken by
# the handler itself, so parameters with them get a trailing underscore.
WORKER_RESERVED = {"c", "res", "i", "free", "malloc", "calloc", "memcpy",
                   "memset", "done", "strlen"}


class P:
    """One parameter of a remoted function, with its role."""

    def __init__(self, name, ctype):
        self.name = name
        self.type = ctype
        self.w = name                 # worker local name
        self.role = None              # see classify()
        self.wire = None              # value / element wire kind
        self.elem = None              # element type (pointer roles)
        self.dir = None
        self.count = None
        self.kind = None              # handle kind validated (enum)
        self.new = None               # enum of handles added
        self.delete = None            # enum of handle removed
        self.dptr = None
        self.alloc = None
        self.memkind = None
        self.outdev = False
        self.route = False            # client handle: routes the call
        self.loc = None               # memory location(s): '' or a member
        self.tag = None               # its client kind tag (route=TAG)
        self.opt = False              # dptr / handle that may be NULL
        self.narrow = False           # a 32-bit integer handle
        self.bytes = None             # pscalar: size expression (C)
        self.pmode = None             # pscalar: client expr, nonzero: dev
        self.wpmode = None            # pscalar: the worker's expr

    @property
    def has_out(self):
        """Outputs that come back whenever the call succeeds (pointer-mode
        scalars come back only when they are host values)."""
        return (self.role in ("ptr1", "arr") and
                self.dir in ("out", "inout")) or self.role == "outstr"

    @property
    def scalar_out(self):
        return self.role == "pscalar" and self.dir in ("out", "inout")


class Func:
    def __init__(self, name, base, proto, entry, mode, note=None):
        self.name = name              # exported name
        self.base = base              # name whose prototype it has
        self.proto = proto            # cparse.Fn or None
        self.entry = entry            # annot.Entry or None
        self.mode = mode              # sync oneway syncflush hand local
        self.note = note              #   unsupported
        self.params = []
        self.checks = []
        self.dev = None               # the P routed with begin_dev
        self.route = None             # the P routed with begin_route
        self.locs = []                # the Ps with memory locations
        self.xroutes = []             # other routed Ps (translated)
        self.post = None              # client status expr after success
        self.view = None              # secondary header view, or None
        self.cast_checks = False      # check:dptr() values are integers
        self.declared = True          # the headers declare this name

    @property
    def remoted(self):
        return self.mode in annot.MODES_REMOTE

    @property
    def status(self):
        if self.mode == "wsync":
            return "hand"             # client by hand, worker generated
        return "remoted" if self.remoted else self.mode


class Library:
    def __init__(self, spec, profile, header, exports, cuda_version):
        self.spec = spec
        self.name = spec.library
        self.p = profile
        self.header = header
        self.exports = exports
        self.cuda_version = cuda_version
        self.funcs = []               # one per export, sorted by name
        self.internals = [n for n, _ in spec.internals]
        self.node = spec.settings.get("node")
        self.map_name = spec.settings.get("map")
        base = os.path.basename(spec.exports or "")
        self.soname = self.node or (base[:-4] if base.endswith(".txt")
                                    else base)
        self.no_proto = []
        self.views = {}               # view name -> cparse.Header

    def ids(self):
        """(name, where) of every name with an API id."""
        out = []
        for f in self.funcs:
            if f.remoted or f.mode == "hand":
                out.append((f.name, f.entry.where() if f.entry else "?"))
        for n, line in self.spec.internals:
            out.append((n, "%s:%d" % (self.spec.path, line)))
        return out


def find_entry(spec, name):
    """The entry annotating name: exact, else the one matching pattern."""
    if name in spec.exact:
        return spec.exact[name]
    hits = [e for e in spec.globs if e.matches(name)]
    if len(hits) > 1:
        raise GenError("%s: %s matches several patterns: %s" % (
            hits[1].where(), name, ", ".join("%s (line %d)" % (e.name, e.line)
                                              for e in hits)))
    return hits[0] if hits else None


def build(spec, header, exports, cuda_version, views=None):
    prof = PROFILES.get(spec.library)
    if prof is None:
        raise GenError("%s:1: unknown library %s (known: %s)"
                       % (spec.path, spec.library, ", ".join(PROFILES)))
    prof = dict(prof)
    if "free" in spec.settings:
        prof["free_fn"] = spec.settings["free"]
    lib = Library(spec, prof, header, exports, cuda_version)
    lib.views = views or {}
    export_set = set(exports)
    for n, line in spec.internals:
        if n in export_set:
            raise GenError("%s:%d: internal %s is an export name"
                           % (spec.path, line, n))
    for name in exports:
        m = VARIANT_RE.match(name)
        base = m.group(1) if m and m.group(1) in header.protos else name
        entry = find_entry(spec, name)
        if entry is None and base != name:
            entry = find_entry(spec, base)
        proto = header.protos.get(base)
        view = None
        for vname in sorted(lib.views):
            if proto is None and base in lib.views[vname].protos:
                proto = lib.views[vname].protos[base]
                view = vname
        if entry is None:
            mode, note = "unsupported", "not annotated"
        else:
            entry.used = True
            mode, note = entry.mode, entry.note
        f = Func(name, base, proto, entry, mode, note)
        # .api proto lines supply what the C view lacks: not declared.
        f.declared = name in header.protos and \
            name not in getattr(header, "supplied", ())
        f.view = view
        if view is not None:
            f.declared = True
            if f.remoted:
                raise GenError("%s: %s is declared only in view %s (%s): it "
                               "can be unsupported, hand or local, not "
                               "remoted" % (entry.where(), name, view,
                                            " ".join(spec.views[view][1])))
        if proto is None:
            lib.no_proto.append(name)
            if mode not in ("hand", "local"):
                where = entry.where() if entry else spec.path + ":1"
                raise GenError("%s: %s has no prototype in %s; it must be "
                               "written by hand: mark it hand or local"
                               % (where, name, ", ".join(spec.headers)))
        elif mode == "unsupported":
            ret = cparse.tidy(cparse.declare(proto.ret))
            if ret != prof["ret"] and not prof.get("unsupported_other"):
                where = entry.where() if entry else spec.path + ":1"
                raise GenError("%s: %s returns %s, not %s: a not-supported "
                               "stub cannot be generated; mark it local"
                               % (where, name, ret, prof["ret"]))
        if f.remoted:
            classify(lib, f)
        lib.funcs.append(f)
    allocs = [f.name for f in lib.funcs if f.remoted and
              any(p.alloc is not None for p in f.params)]
    frees = [f for f in lib.funcs if f.name == prof["free_fn"]]
    if allocs and prof["free_fn"] is None:
        raise GenError("%s: %s allocate, but %s has no free function"
                       % (spec.path, ", ".join(allocs), spec.library))
    if allocs and not (frees and frees[0].proto is not None and
                       (frees[0].remoted or frees[0].mode == "hand")):
        raise GenError("%s: %s allocate, so the worker needs %s (to undo an "
                       "allocation it cannot record): make it remoted or "
                       "hand, or name another with library free=NAME"
                       % (spec.path, ", ".join(allocs), prof["free_fn"]))
    for e in spec.entries:
        if not e.used:
            if e.glob:
                raise GenError("%s: pattern %s matches no export of %s"
                               % (e.where(), e.name, spec.exports))
            raise GenError("%s: %s is not an export of %s"
                           % (e.where(), e.name, spec.exports))
    return lib


def _err(f, msg, line=None):
    e = f.entry
    return GenError("%s:%d: %s: %s" % (e.file, line or e.line, f.name, msg))


def _pointee(t):
    if isinstance(t, cparse.Ptr):
        return t.to
    if isinstance(t, cparse.Arr):
        return t.of
    return None


def _is_char(h, t):
    t = cparse.resolve(h, t)
    return isinstance(t, cparse.Base) and \
        [s for s in t.specs if s != "const"] == ["char"]


def classify(lib, f):
    """Give each parameter of a remoted function its role, checking the
    annotations against the C types.  Roles:
      scalar  value in (typed, or raw bytes for structs)
      handle  opaque handle value, validated (kind), maybe del
      dev     device ordinal (routes the call; 0 on the wire)
      dptr    device pointer value validated for [p, p+len)
      free    device pointer freed by the call
      str     const char * in
      null    pointer that must be NULL
      ptr1    one element in/out/inout through a pointer
      arr     count elements in/out/inout through a pointer
      outstr  char buffer out
    """
    spec = lib.spec
    h = lib.header
    e = f.entry
    names = [prm.name or "arg%d" % i for i, prm in
             enumerate(f.proto.params)]
    for pname in e.params:
        if pname not in names:
            raise _err(f, "no parameter %s (has: %s)" % (
                pname, ", ".join(names) or "none"), e.params[pname].line)
    for name, prm in zip(names, f.proto.params):
        # An array parameter is a pointer (the worker's locals need one).
        t = prm.type
        if isinstance(t, cparse.Arr):
            t = cparse.Ptr(t.of)
        p = P(name, t)
        a = e.params.get(p.name)
        if a is None and p.name in spec.param_defaults and \
                cparse.wire_kind(lib.header, t) == "ptr":
            # The .api's default for pointers of this name (a copy:
            # classifying fills it in).
            a = copy.copy(spec.param_defaults[p.name])
        a = a or annot.Annot(e.line)
        _classify_param(lib, f, p, a)
        if a.loc is not None:
            _classify_loc(lib, f, p, a)
        f.params.append(p)
    for p in f.params:
        if p.w in WORKER_RESERVED:
            p.w = p.name + "_"
    taken = {p.w for p in f.params}
    for p in f.params:
        for suffix in ("_v", "_w", "_n", "_has", "_s"):
            if p.w + suffix in taken:
                raise _err(f, "parameter names %s and %s%s clash in the "
                           "worker" % (p.name, p.w, suffix))
    devs = [p for p in f.params if p.role == "dev"]
    if len(devs) > 1:
        raise _err(f, "more than one dev parameter")
    f.dev = devs[0] if devs else None
    routes = [p for p in f.params if p.role == "handle" and p.route]
    if (len(routes) > 1 and not lib.p.get("xlate")) or (routes and devs):
        raise _err(f, "more than one routing parameter (%s)" % ", ".join(
            p.name for p in routes + devs))
    if routes and routes[0].opt:
        raise _err(f, "%s routes the call: it cannot be opt"
                   % routes[0].name)
    f.route = routes[0] if routes else None
    f.locs = [p for p in f.params if p.loc is not None]
    if f.locs and (devs or routes):
        raise _err(f, "memory locations route the call: no dev or routed "
                   "handle parameter beside them")
    f.xroutes = routes[1:]
    f.cast_checks = lib.p.get("cast_checks", False)
    f.checks = e.checks
    f.post = e.post
    if f.mode == "oneway":
        # Pointer-mode scalars may be outputs: the stub waits only when
        # they are host values.
        outs = [p.name for p in f.params if p.has_out]
        if outs:
            raise _err(f, "oneway, but %s %s outputs: use sync"
                       % (", ".join(outs), "is" if len(outs) == 1 else
                          "are"))
    ret = cparse.tidy(cparse.declare(f.proto.ret))
    if ret != lib.p["ret"]:
        raise _err(f, "returns %s; only functions returning %s are "
                   "remoted" % (ret, lib.p["ret"]))
    if f.proto.variadic:
        raise _err(f, "variadic functions cannot be remoted")


def _classify_loc(lib, f, p, a):
    """loc: the parameter is (or its elements are, or its member a.loc
    is) a memory location naming a device ordinal of the client."""
    if "loc_type" not in lib.p:
        raise _err(f, "%s: library %s has no memory locations"
                   % (p.name, lib.name), a.line)
    if p.wire != "raw" or p.role not in ("scalar", "ptr1", "arr"):
        raise _err(f, "%s: loc needs a struct, a pointer to one or an "
                   "array of them" % p.name, a.line)
    if p.role == "arr" and p.dir != "in":
        raise _err(f, "%s: loc arrays are inputs only" % p.name, a.line)
    p.loc = a.loc


def _kind_enum(spec, kind):
    return spec.kinds[kind].enum


def _classify_param(lib, f, p, a):
    spec = lib.spec
    h = lib.header
    line = a.line
    t = p.type
    wire = cparse.wire_kind(h, t)
    td = cparse.typedef_name(t)
    pointee = _pointee(cparse.resolve(h, t)) if wire == "ptr" else None
    if a.scalar is not None:
        _classify_pscalar(lib, f, p, a)
        return
    if a.pmode is not None or a.wpmode is not None:
        raise _err(f, "%s: pmode/wpmode go with scalar" % p.name, a.line)
    pointer_words = (a.dir or a.str or a.outstr is not None or a.null or
                     a.alloc is not None or a.new or a.outdev)
    if a.words() == "":
        # Typedefs the .api names as device ordinals or device pointers.
        if td in spec.dev_types:
            a.dev = True
        elif td in spec.dptr_types:
            a.dptr = ""
    int_dptr = wire in ("u64", "u32") and td in spec.dptr_types
    int_handle = wire == "u64" and (td in spec.typedef_kind or a.handle or
                                    a.delete)
    # 32-bit integer handles (cufftHandle): widened on the wire, kept in
    # the worker's tables as value + 1 (0 may be a valid value).
    narrow = wire in ("i32", "u32") and td in spec.typedef_kind
    int_handle = int_handle or narrow
    if wire == "fnptr":
        raise _err(f, "parameter %s is a function pointer: cannot be "
                   "remoted (mark the function hand or unsupported)"
                   % p.name, line)
    if wire == "unknown":
        raise _err(f, "parameter %s has a type gvgen does not know: %s"
                   % (p.name, cparse.tidy(cparse.declare(t))), line)

    if a.null:
        if wire != "ptr":
            raise _err(f, "%s: null needs a pointer" % p.name, line)
        p.role = "null"
        return

    if td in spec.typedef_kind and pointer_words:
        raise _err(f, "%s is a handle (%s): annotate it with its kind, "
                   "del:KIND or nothing" % (p.name, td), line)
    # Values: everything that is not reached through the pointer.
    if not pointer_words and (wire != "ptr" or a.dev or a.dptr is not None
                              or a.free or a.handle or a.delete or
                              td in spec.typedef_kind):
        p.wire = wire
        if a.dev:
            if wire not in ("i32", "u32"):
                raise _err(f, "%s: dev needs an int" % p.name, line)
            p.role = "dev"
        elif a.dptr is not None or a.free:
            if wire != "ptr" and not int_dptr:
                raise _err(f, "%s: dptr/free need a pointer" % p.name, line)
            if a.dptr is not None and a.free:
                raise _err(f, "%s: dptr and free together" % p.name, line)
            p.role = "free" if a.free else "dptr"
            p.dptr = a.dptr
            p.opt = a.opt
            if int_dptr:
                p.wire = "u64"        # 32-bit ones travel widened
        elif wire == "ptr" or int_handle:
            kind = a.delete or a.handle or spec.typedef_kind.get(td)
            if kind is None:
                raise _err(f, "%s is a pointer value: say what it is "
                           "(a handle kind, dptr, free, ...)" % p.name, line)
            p.role = "handle"
            p.kind = _kind_enum(spec, kind)
            p.delete = _kind_enum(spec, a.delete) if a.delete else None
            p.route = spec.kinds[kind].route
            p.tag = spec.kinds[kind].tag
            p.opt = a.opt
            if narrow:
                p.wire = "u64"
                p.narrow = True
            if p.opt and p.delete:
                raise _err(f, "%s: opt and del together" % p.name, line)
        else:
            if a.handle or a.delete:
                raise _err(f, "%s: handle kinds need a pointer type"
                           % p.name, line)
            if a.dir not in (None, "in") or a.count is not None:
                raise _err(f, "%s is passed by value: only 'in' applies"
                           % p.name, line)
            p.role = "scalar"
        return

    if a.opt:
        raise _err(f, "%s: opt goes with dptr or a handle" % p.name, line)
    # Pointers to data.
    if wire != "ptr" or pointee is None:
        raise _err(f, "%s: %s needs a pointer parameter"
                   % (p.name, a.words()), line)
    p.elem = pointee
    ewire = cparse.wire_kind(h, pointee)
    if ewire == "void":
        ewire = "bytes"
    p.wire = ewire
    if ewire in ("fnptr", "unknown"):
        raise _err(f, "%s points to %s: cannot be remoted"
                   % (p.name, cparse.tidy(cparse.declare(pointee))), line)
    const = cparse.is_const(pointee)
    if a.str:
        if not (_is_char(h, pointee) and const):
            raise _err(f, "%s: str needs const char *" % p.name, line)
        p.role = "str"
        return
    if a.outstr is not None:
        if not _is_char(h, pointee) or const:
            raise _err(f, "%s: outstr needs char *" % p.name, line)
        p.role = "outstr"
        p.count = a.outstr
        return
    if not a.dir and not (a.alloc is not None or a.new or a.outdev):
        if _is_char(h, pointee) and const:
            p.role = "str"
            return
        if const and ewire != "bytes":
            a.dir = "in"
        else:
            raise _err(f, "pointer parameter %s (%s) needs an annotation: "
                       "in, out, inout, with [count] for arrays, ..."
                       % (p.name, cparse.tidy(cparse.declare(t))), line)
    p.dir = a.dir or "out"
    p.count = a.count
    if p.dir in ("out", "inout") and const:
        raise _err(f, "%s points to const data: it cannot be %s"
                   % (p.name, p.dir), line)
    if ewire == "bytes" and p.count is None:
        raise _err(f, "%s is a void pointer: give its size in bytes, "
                   "e.g. %s[size]" % (p.name, p.dir), line)
    p.role = "arr" if p.count is not None else "ptr1"
    if a.alloc is not None or a.new or a.outdev:
        if p.dir != "out":
            raise _err(f, "%s: alloc/new/outdev are outputs" % p.name, line)
    ptd = cparse.typedef_name(pointee)
    if a.alloc is not None:
        if p.role != "ptr1" or (ewire != "ptr" and not (
                ewire == "u64" and ptd in spec.dptr_types)):
            raise _err(f, "%s: alloc needs void **" % p.name, line)
        p.alloc = a.alloc
        p.memkind = a.memkind
    if a.new:
        if ewire != "ptr" and not (ewire in ("u64", "i32", "u32") and
                                   ptd in spec.typedef_kind):
            raise _err(f, "%s: new needs a pointer to a handle" % p.name,
                       line)
        p.new = _kind_enum(spec, a.new)
        p.narrow = ewire in ("i32", "u32")
    if a.outdev:
        if p.role != "ptr1" or ewire not in ("i32", "u32"):
            raise _err(f, "%s: outdev needs int *" % p.name, line)
        p.outdev = True
    if a.handle or a.delete:
        if p.dir == "out":
            raise _err(f, "%s: a handle kind validates inputs; for an "
                       "output handle use new:KIND or nothing" % p.name,
                       line)
        if a.delete:
            raise _err(f, "%s: del applies to a handle value" % p.name, line)
    if p.dir in ("in", "inout") and (ewire == "ptr" or (
            ewire == "u64" and (a.handle or ptd in spec.typedef_kind))):
        kind = a.handle or spec.typedef_kind.get(ptd)
        if kind:
            p.kind = _kind_enum(spec, kind)


def _classify_pscalar(lib, f, p, a):
    """A scalar that is a host value or a device pointer as the library's
    pointer mode says (cuBLAS alpha/beta/result): role pscalar."""
    spec = lib.spec
    h = lib.header
    line = a.line
    if cparse.wire_kind(h, p.type) != "ptr":
        raise _err(f, "%s: scalar needs a pointer" % p.name, line)
    pointee = _pointee(cparse.resolve(h, p.type))
    if pointee is None or cparse.wire_kind(h, pointee) in ("ptr", "fnptr",
                                                             "unknown"):
        raise _err(f, "%s: scalar needs a pointer to data" % p.name, line)
    const = cparse.is_const(pointee)
    if a.count is not None or a.dptr is not None or a.str or a.handle or \
            a.new or a.delete or a.alloc is not None or a.opt or a.null:
        raise _err(f, "%s: scalar takes only in/out/inout, pmode and "
                   "wpmode" % p.name, line)
    void = cparse.wire_kind(h, pointee) == "void"
    if void and not a.scalar:
        raise _err(f, "%s is a void pointer: give the scalar's size in "
                   "bytes, scalar[SIZE]" % p.name, line)
    p.role = "pscalar"
    p.elem = pointee
    p.wire = "bytes"
    p.dir = a.dir or ("in" if const else "inout")
    if p.dir != "in" and const:
        raise _err(f, "%s points to const data: it cannot be %s"
                   % (p.name, p.dir), line)
    p.bytes = a.scalar or None
    dflt = spec.pmode or (None, None)
    p.pmode = a.pmode or dflt[0]
    p.wpmode = a.wpmode or dflt[1]
    if p.pmode is None or p.wpmode is None:
        raise _err(f, "%s: scalar needs the pointer mode: a pmode line or "
                   "pmode[...] and wpmode[...]" % p.name, line)


# ---- inputs ------------------------------------------------------------------


def read_exports(path):
    with open(path, encoding="utf-8") as f:
        names = [ln.strip() for ln in f
                 if ln.strip() and not ln.startswith("#")]
    if names != sorted(set(names)):
        raise GenError("%s: names must be sorted and unique "
                       "(regenerate with --refresh-exports)" % path)
    return names


def nm_exports(lib_path):
    """Defined function symbols of a shared library, as nm -D prints
    them, without version suffixes, sorted."""
    out = subprocess.run(["nm", "-D", "--defined-only", lib_path],
                         check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[1] not in ("T", "W", "i"):
            continue                  # 'A' lines are version nodes
        names.add(parts[2].split("@")[0])
    return sorted(names)


_HEADER_CACHE = {}


def spec_defines(spec):
    """Macros the .api asks to define (library defines=A,B): the view of
    the headers the library is built with."""
    text = spec.settings.get("defines", "")
    return [d for d in text.split(",") if d]


def spec_include_dirs(spec, include_dir):
    """Where the headers are: the .api's include=DIR (relative to it)
    first, then the CUDA include directory."""
    dirs = []
    extra = spec.settings.get("include")
    if extra:
        dirs.append(os.path.normpath(os.path.join(
            os.path.dirname(os.path.abspath(spec.path)), extra)))
    dirs.append(include_dir)
    return dirs


def _find_headers(spec, names, dirs):
    files = []
    for hname in names:
        path = None
        for d in dirs:
            if os.path.isfile(os.path.join(d, hname)):
                path = os.path.join(d, hname)
                break
        if path is None:
            raise GenError("%s: header %s not found in %s"
                           % (spec.path, hname, " or ".join(dirs)))
        files.append(path)
    return files


def _parse_view(spec, names, dirs, defines):
    """(Header, version) of headers names, cached."""
    key = (tuple(names), tuple(os.path.abspath(d) for d in dirs),
           tuple(defines))
    if key not in _HEADER_CACHE:
        files = _find_headers(spec, names, dirs)
        predefined = dict(cparse.GCC_PREDEFINED)
        for d in defines:
            predefined[d] = "1"
        h = cparse.parse_headers(files, dirs, predefined)
        m = h.macros
        ver = m.get("CUDART_VERSION") or m.get("CUDA_VERSION") or \
            m.get("NVML_API_VERSION")
        version = ver.body[0].val if ver and ver.body else "?"
        if ver is None and "CUBLAS_VER_MAJOR" in m:
            version = ".".join(m[k].body[0].val if m[k].body else "?"
                               for k in ("CUBLAS_VER_MAJOR",
                                         "CUBLAS_VER_MINOR",
                                         "CUBLAS_VER_PATCH") if k in m)
        _HEADER_CACHE[key] = (h, version)
    return _HEADER_CACHE[key]


def _add_protos(spec, h, dirs, defines):
    """A copy of h with the .api's proto lines declared (functions the
    headers' C view lacks, e.g. C++-only ones); h.supplied names them."""
    if not spec.protos:
        return h
    h2 = cparse.Header()
    h2.protos = dict(h.protos)
    h2.typedefs = dict(h.typedefs)
    h2.tags = dict(h.tags)
    h2.files = list(h.files)
    h2.macros = h.macros
    predefined = dict(cparse.GCC_PREDEFINED)
    for d in defines:
        predefined[d] = "1"
    pp = cparse.Preprocessor(dirs, predefined)
    pp.macros = dict(h.macros)
    supplied = set()
    for line, text in spec.protos:
        before = set(h2.protos)
        try:
            cparse.DeclParser(h2).feed(pp.run_text(text.rstrip(";") + ";"))
        except cparse.CError as e:
            raise GenError("%s:%d: proto: %s" % (spec.path, line, e))
        new = set(h2.protos) - before
        if len(new) != 1:
            raise GenError("%s:%d: proto: expected one new function "
                           "declaration (the headers may declare it already)"
                           % (spec.path, line))
        supplied |= new
    h2.supplied = supplied
    return h2


def load_headers(spec, include_dir):
    """(main Header, version, {view: Header}) of a library."""
    dirs = spec_include_dirs(spec, include_dir)
    defines = spec_defines(spec)
    h, version = _parse_view(spec, spec.headers, dirs, defines)
    h = _add_protos(spec, h, dirs, defines)
    views = {name: _parse_view(spec, names, dirs, defines)[0]
             for name, (_, names) in spec.views.items()}
    return h, version, views


def load_library(api_path, include_dir):
    spec = annot.load(api_path)
    base = os.path.dirname(api_path)
    header, version, views = load_headers(spec, include_dir)
    exports = read_exports(os.path.join(base, spec.exports))
    return build(spec, header, exports, version, views)


def api_files(gen_dir=HERE):
    return sorted(glob.glob(os.path.join(gen_dir, "*.api")))


def load_all(api_paths, include_dir):
    libs = [load_library(p, include_dir) for p in api_paths]
    names = []
    for lib in libs:
        names += lib.ids()
    check_ids(names)
    return libs


def generate(libs):
    """{file name: text} of every output."""
    files = {}
    for lib in libs:
        for name, text in emit_library(lib).items():
            if name in files:
                raise GenError("two libraries write %s" % name)
            files[name] = text
    return files


def write_outputs(files, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for name, text in sorted(files.items()):
        path = os.path.join(out_dir, name)
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if old != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)


def check_outputs(files, out_dir, stream=sys.stderr):
    """Compare generated text with out_dir; returns a list of problems."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="gvgen-") as tmp:
        write_outputs(files, tmp)
        for name in sorted(files):
            fresh = os.path.join(tmp, name)
            have = os.path.join(out_dir, name)
            if not os.path.exists(have):
                problems.append("%s: missing" % name)
                continue
            with open(fresh, encoding="utf-8") as a, \
                    open(have, encoding="utf-8") as b:
                ta, tb = a.read(), b.read()
            if ta != tb:
                problems.append("%s: differs" % name)
                diff = difflib.unified_diff(
                    tb.splitlines(True), ta.splitlines(True),
                    "committed/" + name, "generated/" + name, n=1)
                stream.writelines(list(diff)[:40])
    known = set(files) | {"README.md"}
    if os.path.isdir(out_dir):
        for name in sorted(os.listdir(out_dir)):
            # Build droppings (.deps/, *.o) are not ours to judge.
            if name.startswith(".") or not os.path.isfile(
                    os.path.join(out_dir, name)) or name.endswith(
                    (".o", ".lo", ".Po", ".Plo")):
                continue
            if name not in known:
                problems.append("%s: not generated (stale file?)" % name)
    return problems


# ---- checking a built library -----------------------------------------------


def verify_library(lib, so_path):
    """Problems of a built replacement library against the export list:
    exports missing or under another version node, extra exports."""
    out = subprocess.run(["nm", "-D", "--defined-only", so_path],
                         check=True, capture_output=True, text=True).stdout
    have = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] in ("T", "W", "i"):
            name, _, node = parts[2].partition("@")
            have[name] = node.lstrip("@")
    status = {f.name: f.status for f in lib.funcs}
    problems = []
    for name in lib.exports:
        if name not in have:
            problems.append("%s: missing (%s)" % (name, status[name]))
        elif have[name] != (lib.node or ""):
            problems.append("%s: version node %r, not %r"
                            % (name, have[name], lib.node))
    extra = set(have) - set(lib.exports) - {n for n, _ in
                                             lib.spec.extra_exports}
    for name in sorted(extra):
        problems.append("%s: exported, but not by NVIDIA" % name)
    return problems


# ---- status ------------------------------------------------------------------


def counts(lib):
    c = {"exports": len(lib.funcs), "remoted": 0, "sync": 0, "oneway": 0,
         "syncflush": 0, "wsync": 0, "hand": 0, "local": 0,
         "unsupported": 0}
    for f in lib.funcs:
        c[f.status] += 1
        if f.remoted:
            c[f.mode] += 1
    return c


def status_text(libs):
    out = []
    for lib in libs:
        c = counts(lib)
        out.append("# %s (%s): %d exports: %d remoted (%d sync, %d oneway, "
                   "%d syncflush), %d hand, %d local, %d unsupported; "
                   "%d internal RPCs"
                   % (lib.name, lib.spec.exports, c["exports"], c["remoted"],
                      c["sync"], c["oneway"], c["syncflush"], c["hand"],
                      c["local"], c["unsupported"], len(lib.internals)))
        if lib.no_proto:
            out.append("# %d without a prototype in the headers (written by "
                       "hand): %s" % (len(lib.no_proto),
                                      " ".join(lib.no_proto)))
        for f in lib.funcs:
            detail = f.mode if f.remoted else (f.note or "")
            out.append("%s\t%s\t%s\t%s" % (lib.name, f.name, f.status,
                                           detail))
    return "\n".join(out) + "\n"


# ---- docs/API-STATUS.md ----------------------------------------------------------

TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
# Where "tested" comes from: programs that run on a GPU natively and
# through gvirtus with outputs compared, and programs that run in make
# check against gvd's simulated device.
GPU_TESTS = ("testsuite/gpu/*.cu", "testsuite/gpu/*.c")
SIM_TESTS = ("testsuite/unit/simapp.c", "testsuite/unit/drvapp.c",
             "testsuite/unit/rtapp.c", "testsuite/unit/blasapp.c",
             "testsuite/unit/dnnapp.c", "testsuite/unit/solverapp.c",
             "testsuite/unit/fftapp.c", "testsuite/unit/randapp.c",
             "testsuite/unit/rtcapp.c", "testsuite/unit/spapp.c")
_WORD = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")


def public_names(lib, include_dir):
    """{name a program writes: export it calls}: the headers' macros as a
    program sees them (without the .api's defines), e.g. cuMemAlloc ->
    cuMemAlloc_v2."""
    dirs = spec_include_dirs(lib.spec, include_dir)
    pp = cparse.Preprocessor(dirs)
    for hname in lib.spec.headers:
        for d in dirs:
            if os.path.isfile(os.path.join(d, hname)):
                pp.run(os.path.join(d, hname))
                break
    exports = set(lib.exports)
    out = {}
    for name, m in pp.macros.items():
        if m.params is not None:
            continue
        try:
            toks = pp.run_text(name)
        except cparse.CError:
            continue
        if len(toks) == 1 and toks[0].val in exports:
            out[name] = toks[0].val
    return out


def named_in(patterns, root=TOP):
    """Words of the files matching patterns (relative to root)."""
    words = set()
    for pat in patterns:
        for path in sorted(glob.glob(os.path.join(root, pat))):
            with open(path, encoding="utf-8", errors="replace") as f:
                words.update(_WORD.findall(f.read()))
    return words


def tested_sets(lib, include_dir, root=TOP):
    """(exports named by GPU programs, exports named by sim programs)."""
    alias = public_names(lib, include_dir)
    res = []
    for pats in (GPU_TESTS, SIM_TESTS):
        words = named_in(pats, root)
        # A macro name means its expansion (cuMemAlloc is cuMemAlloc_v2
        # in a program), never the export of the same name.
        names = {w for w in words if w in set(lib.exports) and
                 w not in alias}
        names |= {alias[w] for w in words if w in alias}
        res.append(names)
    return res


def status_md(libs, include_dir, root=TOP):
    """docs/API-STATUS.md: every export of every library, its status and
    whether a test names it; per-library counts first."""
    out = ["# API status", "",
           "Generated by `python3 lib/gen/gvgen.py --status-md` (make "
           "api-status); do not edit.", "",
           "Every function NVIDIA's library exports, as our library has it:",
           "",
           "- **remoted**: generated client stub and worker handler "
           "(lib/gen/*.api);",
           "- **hand**: written by hand (lib/cudart, lib/cuda, lib/nvml, "
           "lib/cublas, lib/cublaslt, lib/cudnn, lib/nvrtc, gvd), remote or "
           "answered here;",
           "- **local**: answered on the client, never remoted;",
           "- **unsupported**: present, logs once, returns the API's "
           "not-supported error (the reason is given).",
           "",
           "**tested**: *gpu* when a program of testsuite/gpu (run natively "
           "and through gvirtus on a GPU host, outputs compared) names the "
           "function, *sim* when testsuite/unit/simapp.c, drvapp.c, rtapp.c, "
           "blasapp.c, dnnapp.c, solverapp.c, fftapp.c, randapp.c, rtcapp.c or "
           "spapp.c "
           "(make "
           "check, gvd's simulated device) does.  A name counts through the "
           "headers' macros (`cuMemAlloc` in a program is `cuMemAlloc_v2`); "
           "`<<<>>>` launches and registration go through hand-written "
           "entry points no program names.", "",
           "| library | exports | remoted | hand | local | unsupported | "
           "remoted + hand | tested (gpu) | tested (sim) |",
           "|---|---|---|---|---|---|---|---|---|"]
    per = []
    for lib in libs:
        c = counts(lib)
        gpu, sim = tested_sets(lib, include_dir, root)
        both = c["remoted"] + c["hand"]
        out.append("| %s (%s) | %d | %d | %d | %d | %d | %.1f %% | %d | %d |"
                   % (lib.name, lib.soname, c["exports"], c["remoted"],
                      c["hand"], c["local"], c["unsupported"],
                      100.0 * both / max(c["exports"], 1), len(gpu),
                      len(sim)))
        per.append((lib, gpu, sim))
    for lib, gpu, sim in per:
        out += ["", "## %s (%s)" % (lib.name, lib.soname), "",
                "| function | status | tested | note |", "|---|---|---|---|"]
        for f in lib.funcs:
            t = ", ".join(x for x, s in (("gpu", gpu), ("sim", sim))
                          if f.name in s)
            note = f.mode if f.remoted else (f.note or "")
            if f.mode == "wsync":
                note = "client by hand, worker generated"
            out.append("| `%s` | %s | %s | %s |"
                       % (f.name, f.status, t, note.replace("|", "\\|")))
    return "\n".join(out) + "\n"


# ---- command line ------------------------------------------------------------


def default_include():
    for env in ("CUDA_HOME", "CUDA_PATH"):
        if os.environ.get(env):
            return os.path.join(os.environ[env], "include")
    return "/usr/local/cuda/include"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--api", action="append",
                    help="annotation file (default: lib/gen/*.api)")
    ap.add_argument("--cuda-include", default=default_include(),
                    help="CUDA include directory (default: %(default)s)")
    ap.add_argument("--out", default=DEFAULT_OUT,
                    help="output directory (default: lib/gen/out)")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temporary directory and fail "
                    "on any difference with --out")
    ap.add_argument("--status", action="store_true",
                    help="print each function's status and the counts")
    ap.add_argument("--refresh-exports", metavar="LIBRARY.so",
                    help="write exports/<soname>.txt from nm -D of LIBRARY")
    ap.add_argument("--status-md", metavar="FILE", nargs="?",
                    const=os.path.join(TOP, "docs", "API-STATUS.md"),
                    help="write the API status page (default "
                    "docs/API-STATUS.md; - for stdout)")
    ap.add_argument("--verify-lib", metavar="OURS.so",
                    help="check that our built library exports every name "
                    "of the export list under its version node, and "
                    "nothing else (needs exactly one --api)")
    args = ap.parse_args(argv)
    try:
        if args.refresh_exports:
            names = nm_exports(args.refresh_exports)
            path = os.path.join(HERE, "exports",
                                os.path.basename(args.refresh_exports) +
                                ".txt")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write("".join(n + "\n" for n in names))
            print("%s: %d names" % (os.path.relpath(path), len(names)))
            return 0
        libs = load_all(args.api or api_files(), args.cuda_include)
        if args.verify_lib:
            if len(libs) != 1:
                raise GenError("--verify-lib needs exactly one --api")
            problems = verify_library(libs[0], args.verify_lib)
            for pr in problems:
                print("gvgen --verify-lib: %s" % pr, file=sys.stderr)
            print("%s: %d of %d exports present, %d problems"
                  % (args.verify_lib, len(libs[0].exports) - sum(
                      "missing" in p for p in problems),
                     len(libs[0].exports), len(problems)))
            return 1 if problems else 0
        if args.status:
            sys.stdout.write(status_text(libs))
            return 0
        if args.status_md:
            text = status_md(libs, args.cuda_include)
            if args.status_md == "-":
                sys.stdout.write(text)
            else:
                write_outputs({os.path.basename(args.status_md): text},
                              os.path.dirname(args.status_md) or ".")
            return 0
        files = generate(libs)
        if args.check:
            problems = check_outputs(files, args.out)
            if problems:
                for pr in problems:
                    print("gvgen --check: " + pr, file=sys.stderr)
                print("gvgen --check: %s is stale; run python3 "
                      "lib/gen/gvgen.py and commit" % args.out,
                      file=sys.stderr)
                return 1
            return 0
        write_outputs(files, args.out)
        return 0
    except (GenError, annot.AnnotError, cparse.CError) as e:
        print("gvgen: error: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
