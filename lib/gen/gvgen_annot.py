"""The annotation language of gvgen (*.api files).  See lib/gen/README.md.

One entry per line; a line that starts with white space continues the one
before; '#' starts a comment.  Errors are AnnotError with file:line.
"""

import fnmatch
import os
import re

MODES_REMOTE = ("sync", "oneway", "syncflush", "wsync")
MODES_OTHER = ("hand", "local", "unsupported")
MODES = MODES_REMOTE + MODES_OTHER

MEM_KINDS = {"device": "GVD_MEM_DEVICE", "async": "GVD_MEM_ASYNC",
             "driver": "GVD_MEM_DRIVER", "symbol": "GVD_MEM_SYMBOL",
             "vmm": "GVD_MEM_VMM"}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_GLOB = re.compile(r"[A-Za-z0-9_*?]+$")


class AnnotError(Exception):
    def __init__(self, file, line, msg):
        super().__init__("%s:%d: %s" % (file, line, msg))
        self.file = file
        self.line = line


class Annot:
    """What one parameter of a remoted function is (see README)."""

    def __init__(self, line):
        self.line = line
        self.dir = None          # 'in' | 'out' | 'inout'
        self.count = None        # element count (C expression) for arrays
        self.str = False         # const char * in
        self.outstr = None       # char * out buffer of this many bytes
        self.dev = False         # device ordinal in
        self.outdev = False      # device ordinal out
        self.dptr = None         # device pointer: bytes from it ('' = 0)
        self.alloc = None        # out device pointer: bytes allocated
        self.memkind = None      # GVD_MEM_* of alloc
        self.free = False        # device pointer freed by the call
        self.null = False        # must be NULL (else not supported)
        self.handle = None       # handle kind validated (value or elements)
        self.new = None          # handle kind of an out handle to add
        self.delete = None       # handle kind of a handle to remove
        self.loc = None          # memory location: '' the value itself,
                                 # or the member naming it ('location')
        self.scalar = None       # host-or-device scalar: bytes ('' = one)
        self.pmode = None        # client: nonzero when it is a device ptr
        self.wpmode = None       # worker: the same, asked of the library
        self.opt = False         # dptr or handle that may be NULL

    def words(self):
        """Canonical text, for messages and tests."""
        w = []
        if self.dir:
            w.append(self.dir + ("[%s]" % self.count
                                 if self.count is not None else ""))
        if self.str:
            w.append("str")
        if self.outstr is not None:
            w.append("outstr[%s]" % self.outstr)
        if self.dev:
            w.append("dev")
        if self.outdev:
            w.append("outdev")
        if self.dptr is not None:
            w.append("dptr" + ("[%s]" % self.dptr if self.dptr else ""))
        if self.alloc is not None:
            w.append("alloc[%s]" % self.alloc)
        if self.free:
            w.append("free")
        if self.null:
            w.append("null")
        if self.handle:
            w.append(self.handle)
        if self.new:
            w.append("new:" + self.new)
        if self.delete:
            w.append("del:" + self.delete)
        if self.loc is not None:
            w.append("loc" + ("[%s]" % self.loc if self.loc else ""))
        if self.scalar is not None:
            w.append("scalar" + ("[%s]" % self.scalar if self.scalar else ""))
        if self.pmode is not None:
            w.append("pmode[%s]" % self.pmode)
        if self.wpmode is not None:
            w.append("wpmode[%s]" % self.wpmode)
        if self.opt:
            w.append("opt")
        return ":".join(w)


class Check:
    """A worker-side check: a device range (dptr) or a condition."""

    def __init__(self, line, ptr=None, length=None, cond=None):
        self.line = line
        self.ptr = ptr
        self.length = length
        self.cond = cond


class Entry:
    def __init__(self, file, line, mode, name):
        self.file = file
        self.line = line
        self.mode = mode
        self.name = name
        self.glob = any(ch in name for ch in "*?")
        self.params = {}         # param name -> Annot
        self.checks = []
        self.note = None         # reason (unsupported) or note
        self.post = None         # client: status expression after success
        self.used = False

    def where(self):
        return "%s:%d" % (self.file, self.line)

    def matches(self, name):
        return fnmatch.fnmatchcase(name, self.name)


class Kind:
    def __init__(self, name, enum, typedefs, line, route=False, tag=None):
        self.name = name
        self.enum = enum
        self.typedefs = typedefs
        self.line = line
        self.route = route       # client handles: route and translate
        self.tag = tag           # client's kind tag passed when routing


class Spec:
    """A parsed annotation file."""

    def __init__(self, path):
        self.path = path
        self.library = None
        self.settings = {}
        self.headers = []
        self.exports = None
        self.kinds = {}          # name -> Kind
        self.typedef_kind = {}   # typedef name -> kind name
        self.dptr_types = set()  # integer typedefs that are device pointers
        self.dev_types = set()   # int typedefs that are device ordinals
        self.internals = []      # (name, line)
        self.extra_exports = []  # (name, line)
        self.helpers = ""        # C code block copied into both outputs
        self.views = {}          # view name -> (line, [headers])
        self.protos = []         # (line, C declaration) the headers lack
        self.param_defaults = {} # parameter name -> Annot (remoted funcs)
        self.pmode = None        # (client expr, worker expr) for scalar
        self.entries = []
        self.exact = {}          # name -> Entry
        self.globs = []

    def err(self, line, msg):
        return AnnotError(self.path, line, msg)


# ---- splitting --------------------------------------------------------------


def _split(text, sep, file, line):
    """Split text at sep (a char or None for white space) outside
    brackets, parentheses and quotes."""
    parts = []
    cur = []
    depth = 0
    quote = None
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch == '"':
            quote = ch
            cur.append(ch)
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth < 0:
                raise AnnotError(file, line, "unbalanced %r" % ch)
        is_sep = ch.isspace() if sep is None else ch == sep
        if is_sep and depth == 0:
            if cur or sep is not None:
                parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    if quote:
        raise AnnotError(file, line, "unterminated string")
    if depth:
        raise AnnotError(file, line, "unbalanced brackets")
    if cur or (sep is not None and parts):
        parts.append("".join(cur))
    return parts


def _strip_comment(s):
    depth = 0
    quote = False
    for i, ch in enumerate(s):
        if ch == '"':
            quote = not quote
        elif not quote:
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth -= 1
            elif ch == "#" and depth <= 0:
                return s[:i]
    return s


def _logical(text, path):
    """(line number, text, block) of entries: comments removed,
    continuation lines (starting with white space) joined, with a space
    or, when they start with ':', without one (the annotation of a
    parameter goes on); %{ %} blocks kept whole."""
    out = []
    block = None
    for n, raw in enumerate(text.split("\n"), 1):
        if block is not None:
            if raw.strip() == "%}":
                out.append((block[0], "%{", "\n".join(block[1])))
                block = None
            else:
                block[1].append(raw)
            continue
        if raw.strip() == "%{":
            block = (n, [])
            continue
        s = _strip_comment(raw).rstrip()
        if not s.strip():
            continue
        if s[0].isspace() and out and out[-1][1] != "%{":
            # ':' goes on with the parameter annotation before it.
            ln, prev, _ = out[-1]
            glue = "" if s.strip().startswith(":") else " "
            out[-1] = (ln, prev + glue + s.strip(), None)
        elif s[0].isspace():
            raise AnnotError(path, n, "continuation line with nothing to "
                             "continue")
        else:
            out.append((n, s, None))
    if block is not None:
        raise AnnotError(path, block[0], "%{ without %}")
    return out


# ---- parameters -------------------------------------------------------------


def _bracket(word, head):
    """'out[n + 1]' with head 'out' -> 'n + 1'; 'out' -> None."""
    if word == head:
        return None
    if word.startswith(head + "[") and word.endswith("]"):
        return word[len(head) + 1:-1].strip()
    return False


def parse_annot(spec, line, name, text):
    a = Annot(line)
    words = _split(text, ":", spec.path, line)
    if not words or any(not w for w in words):
        raise spec.err(line, "%s: empty annotation" % name)
    i = 0
    while i < len(words):
        w = words[i].strip()
        i += 1
        head = re.match(r"[A-Za-z_]*", w).group()
        arg = _bracket(w, head)
        if arg is False:
            raise spec.err(line, "%s: cannot read %r" % (name, w))
        if arg == "":
            raise spec.err(line, "%s: empty [] in %r" % (name, w))
        if head in ("in", "out", "inout"):
            if a.dir:
                raise spec.err(line, "%s: two directions" % name)
            a.dir = head
            a.count = arg
        elif head == "outstr":
            if arg is None:
                raise spec.err(line, "%s: outstr needs [size]" % name)
            a.outstr = arg
        elif head == "dptr":
            a.dptr = arg if arg is not None else ""
        elif head == "alloc":
            if arg is None:
                raise spec.err(line, "%s: alloc needs [size]" % name)
            a.alloc = arg
            a.memkind = MEM_KINDS["device"]
            if i < len(words) and words[i] in MEM_KINDS:
                a.memkind = MEM_KINDS[words[i]]
                i += 1
        elif head == "loc":
            if arg is not None and not re.match(
                    r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$", arg):
                raise spec.err(line, "%s: loc[MEMBER] names a member, "
                               "not %r" % (name, arg))
            a.loc = arg or ""
        elif arg is not None and head not in ("scalar", "pmode", "wpmode"):
            raise spec.err(line, "%s: %s takes no [..]" % (name, head))
        elif head in ("str", "dev", "outdev", "free", "null"):
            setattr(a, head, True)
        elif head in ("new", "del"):
            if i >= len(words) or words[i] not in spec.kinds:
                raise spec.err(line, "%s: %s needs a handle kind (one of %s)"
                               % (name, head, ", ".join(sorted(spec.kinds))))
            setattr(a, "new" if head == "new" else "delete", words[i])
            i += 1
        elif head == "scalar":
            a.scalar = arg if arg is not None else ""
        elif head in ("pmode", "wpmode"):
            if not arg:
                raise spec.err(line, "%s: %s needs [expression]"
                               % (name, head))
            setattr(a, head, arg)
        elif head == "opt":
            a.opt = True
        elif head in spec.kinds:
            a.handle = head
        else:
            raise spec.err(line, "%s: unknown annotation %r" % (name, w))
    return a


def parse_check(spec, line, text):
    if text.startswith("dptr("):
        depth = 0
        for j in range(4, len(text)):
            depth += text[j] == "("
            depth -= text[j] == ")"
            if depth == 0:
                break
        ptr = text[5:j].strip()
        rest = text[j + 1:].strip()
        length = ""
        if rest:
            if not (rest.startswith("[") and rest.endswith("]")):
                raise spec.err(line, "check: expected [length] after %r"
                               % text[:j + 1])
            length = rest[1:-1].strip()
        if not ptr:
            raise spec.err(line, "check: empty dptr()")
        return Check(line, ptr=ptr, length=length)
    if text.startswith("(") and text.endswith(")"):
        return Check(line, cond=text[1:-1].strip())
    raise spec.err(line, "check: expected dptr(PTR)[LEN] or (CONDITION)")


# ---- file -------------------------------------------------------------------


def parse(text, path):
    spec = Spec(path)
    for line, s, block in _logical(text, path):
        if s == "%{":
            spec.helpers += block + "\n"
            continue
        words = _split(s, None, path, line)
        head = words[0]
        if head == "library":
            _library(spec, line, words)
        elif head == "headers":
            if len(words) < 2:
                raise spec.err(line, "headers: which?")
            spec.headers += words[1:]
        elif head == "exports":
            if len(words) != 2:
                raise spec.err(line, "exports FILE")
            spec.exports = words[1]
        elif head == "kind":
            _kind(spec, line, words)
        elif head in ("dptrtype", "devtype"):
            if len(words) < 2 or not all(_NAME.match(w) for w in words[1:]):
                raise spec.err(line, "%s TYPEDEF..." % head)
            (spec.dptr_types if head == "dptrtype"
             else spec.dev_types).update(words[1:])
        elif head == "internal":
            if len(words) < 2:
                raise spec.err(line, "internal NAME...")
            for w in words[1:]:
                if not _NAME.match(w):
                    raise spec.err(line, "bad internal name %r" % w)
                spec.internals.append((w, line))
        elif head == "view":
            if len(words) < 3 or not _NAME.match(words[1]):
                raise spec.err(line, "view NAME HEADER...")
            if words[1] in spec.views:
                raise spec.err(line, "view %s declared twice" % words[1])
            spec.views[words[1]] = (line, words[2:])
        elif head == "proto":
            if len(words) < 2:
                raise spec.err(line, "proto C-DECLARATION")
            spec.protos.append((line, s.split(None, 1)[1]))
        elif head == "param":
            if len(words) != 3 or not _NAME.match(words[1]):
                raise spec.err(line, "param NAME ANNOTATION")
            if words[1] in spec.param_defaults:
                raise spec.err(line, "param %s declared twice" % words[1])
            spec.param_defaults[words[1]] = parse_annot(spec, line, words[1],
                                                        words[2])
        elif head == "pmode":
            if len(words) != 3:
                raise spec.err(line, "pmode CLIENT-EXPR WORKER-EXPR")
            spec.pmode = (words[1], words[2])
        elif head == "export":
            for w in words[1:]:
                if not _NAME.match(w):
                    raise spec.err(line, "bad export name %r" % w)
                spec.extra_exports.append((w, line))
        elif head in MODES:
            _entry(spec, line, words)
        else:
            raise spec.err(line, "unknown directive %r (modes: %s)"
                           % (head, " ".join(MODES)))
    if spec.library is None:
        raise AnnotError(path, 1, "missing 'library' line")
    if not spec.headers or not spec.exports:
        raise AnnotError(path, 1, "missing 'headers' or 'exports' line")
    return spec


def _library(spec, line, words):
    if spec.library is not None:
        raise spec.err(line, "second library line")
    if len(words) < 2 or not _NAME.match(words[1]):
        raise spec.err(line, "library NAME key=value...")
    spec.library = words[1]
    for w in words[2:]:
        if "=" not in w:
            raise spec.err(line, "library: expected key=value, got %r" % w)
        k, v = w.split("=", 1)
        spec.settings[k] = v


def _kind(spec, line, words):
    tags = [w[6:] for w in words[3:] if w.startswith("route=")]
    route = "route" in words[3:] or bool(tags)
    words = [w for w in words if w != "route" and not w.startswith("route=")]
    if len(tags) > 1 or (tags and not _NAME.match(tags[0])):
        raise spec.err(line, "kind: one route=TAG, a C name")
    if len(words) < 3 or not _NAME.match(words[1]) or \
            not _NAME.match(words[2]):
        raise spec.err(line, "kind NAME GVD_H_ENUM [TYPEDEF...] [route]")
    name = words[1]
    if name in spec.kinds:
        raise spec.err(line, "kind %s declared twice" % name)
    if name in ("in", "out", "inout", "str", "outstr", "dev", "outdev",
                "dptr", "alloc", "free", "null", "new", "del", "check",
                "loc", "scalar", "pmode", "wpmode", "opt", "post"):
        raise spec.err(line, "kind %s is a reserved word" % name)
    spec.kinds[name] = Kind(name, words[2], words[3:], line, route,
                            tags[0] if tags else None)
    for td in words[3:]:
        if td in spec.typedef_kind:
            raise spec.err(line, "typedef %s already has kind %s"
                           % (td, spec.typedef_kind[td]))
        spec.typedef_kind[td] = name


def _entry(spec, line, words):
    mode = words[0]
    if len(words) < 2:
        raise spec.err(line, "%s: which function?" % mode)
    name = words[1]
    e = Entry(spec.path, line, mode, name)
    if e.glob:
        if mode in MODES_REMOTE:
            raise spec.err(line, "%s: patterns are for hand, local and "
                           "unsupported only" % name)
        if not _GLOB.match(name):
            raise spec.err(line, "bad pattern %r" % name)
    elif not _NAME.match(name):
        raise spec.err(line, "bad function name %r" % name)
    rest = words[2:]
    if rest and rest[-1].startswith('"'):
        if not rest[-1].endswith('"') or len(rest[-1]) < 2:
            raise spec.err(line, "unterminated string")
        e.note = rest[-1][1:-1]
        rest = rest[:-1]
    if mode == "unsupported" and not e.note:
        raise spec.err(line, "unsupported %s: give a reason in quotes" % name)
    if mode in MODES_OTHER and rest:
        raise spec.err(line, "%s %s: takes no parameter annotations"
                       % (mode, name))
    if mode in MODES_REMOTE and e.note:
        raise spec.err(line, "%s %s: no quoted text on remoted functions "
                       "(use a # comment)" % (mode, name))
    for item in rest:
        if ":" not in item:
            raise spec.err(line, "%s: expected PARAM:ANNOTATION, got %r"
                           % (name, item))
        pname, text = item.split(":", 1)
        if pname == "check":
            e.checks.append(parse_check(spec, line, text))
            continue
        if pname == "post":
            if not (text.startswith("(") and text.endswith(")")):
                raise spec.err(line, "post: expected (EXPRESSION)")
            e.post = text[1:-1].strip()
            continue
        if not _NAME.match(pname):
            raise spec.err(line, "%s: bad parameter name %r" % (name, pname))
        if pname in e.params:
            raise spec.err(line, "%s: parameter %s annotated twice"
                           % (name, pname))
        e.params[pname] = parse_annot(spec, line, pname, text)
    if e.glob:
        spec.globs.append(e)
    else:
        if name in spec.exact:
            raise spec.err(line, "%s already annotated at line %d"
                           % (name, spec.exact[name].line))
        spec.exact[name] = e
    spec.entries.append(e)


def load(path):
    """Parse an annotation file; messages name it relative to the current
    directory."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    rel = os.path.relpath(path)
    return parse(text, path if rel.startswith("..") else rel)
