"""C header reader for gvgen: lexer, a small preprocessor and a parser of
declarations (typedefs and function prototypes).

It reads NVIDIA's headers the way a C (not C++) compiler on x86-64 Linux
sees them: conditionals are evaluated with gcc's predefined macros, macros
are expanded, attributes are dropped.  Calling-convention macros
(CUDARTAPI, ...) are kept unexpanded so generated prototypes can repeat
them.  It is not a C compiler: it understands what the CUDA headers
declare, and says so loudly (CError with file:line) when it meets
something it does not.
"""

import os
import re

# ---- errors -----------------------------------------------------------------


class CError(Exception):
    """A problem in a header, with its location."""

    def __init__(self, where, msg):
        super().__init__("%s: %s" % (where, msg) if where else msg)


# ---- lexer ------------------------------------------------------------------


class Tok:
    """One token.  kind: id, num, str, chr, punct.  hide: macro names that
    must not expand this token again (the C standard's "hide set")."""

    __slots__ = ("kind", "val", "file", "line", "hide")

    def __init__(self, kind, val, file="", line=0, hide=frozenset()):
        self.kind = kind
        self.val = val
        self.file = file
        self.line = line
        self.hide = hide

    def where(self):
        return "%s:%d" % (self.file, self.line) if self.file else ""

    def copy(self, hide=None):
        return Tok(self.kind, self.val, self.file, self.line,
                   self.hide if hide is None else hide)

    def __repr__(self):
        return "Tok(%s,%r)" % (self.kind, self.val)


_TOKEN_RE = re.compile(r"""
    (?P<ws>[ \t\f\v\r]+)
  | (?P<id>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<num>\.?[0-9](?:[eEpP][+-]|[A-Za-z0-9_.])*)
  | (?P<str>(?:u8|[uUL])?"(?:[^"\\\n]|\\.)*")
  | (?P<chr>(?:[uUL])?'(?:[^'\\\n]|\\.)*')
  | (?P<punct>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||
              [-+*/%&|^]=|\#\#|[][(){};:,.?!~<>=+\-*/%&|^#])
""", re.VERBOSE)


def tokenize(text, file="", line=1):
    """Tokens of one line (or any text without directives)."""
    toks = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            if text[pos] == "\n":
                line += 1
                pos += 1
                continue
            if text[pos] == "\\":   # stray backslash: skip
                pos += 1
                continue
            raise CError("%s:%d" % (file, line),
                         "cannot tokenize %r" % text[pos:pos + 20])
        kind = m.lastgroup
        if kind != "ws":
            toks.append(Tok(kind, m.group(), file, line))
        pos = m.end()
    return toks


def strip_comments(text):
    """Remove comments, keeping newlines (for line numbers) and strings."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(" " + "\n" * text.count("\n", i, j))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        else:
            j = i
            while j < n and text[j] not in "\"'/":
                j += 1
            if j == i:
                j += 1
            out.append(text[i:j])
            i = j
    return "".join(out)


def logical_lines(text):
    """(first line number, text) of each logical line: comments removed
    and backslash-newlines joined."""
    text = strip_comments(text.replace("\r\n", "\n"))
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        start = i
        cur = lines[i]
        while cur.endswith("\\") and i + 1 < len(lines):
            i += 1
            cur = cur[:-1] + " " + lines[i]
        yield start + 1, cur
        i += 1


# ---- preprocessor -----------------------------------------------------------


class Macro:
    __slots__ = ("name", "params", "variadic", "body")

    def __init__(self, name, params, variadic, body):
        self.name = name
        self.params = params      # None: object-like
        self.variadic = variadic
        self.body = body          # list of Tok


# What gcc 12 on x86-64 Linux predefines, as far as the CUDA headers ask.
GCC_PREDEFINED = {
    "__GNUC__": "12", "__GNUC_MINOR__": "2", "__GNUC_PATCHLEVEL__": "0",
    "__STDC__": "1", "__STDC_VERSION__": "201112L", "__STDC_HOSTED__": "1",
    "__linux__": "1", "__linux": "1", "__unix__": "1", "__x86_64__": "1",
    "__amd64__": "1", "__LP64__": "1", "_LP64": "1", "__ELF__": "1",
    "__SIZEOF_POINTER__": "8", "__SIZEOF_LONG__": "8",
    "__CHAR_BIT__": "8",
}

# Never expanded: kept in declarations so prototypes can repeat them.
CALLCONV_MACROS = ("CUDARTAPI", "CUDARTAPI_CDECL", "CUDART_CB", "CUDAAPI",
                   "CUDA_CB", "CUBLASWINAPI")


class Preprocessor:
    """Evaluates conditionals and expands macros of a header and the
    headers it includes with "..." (found next to it or in include_dirs).
    <...> includes are skipped: we only need NVIDIA's declarations, and
    the types of the C library (size_t, ...) are known to the parser."""

    def __init__(self, include_dirs, predefined=None, keep=CALLCONV_MACROS):
        self.include_dirs = list(include_dirs)
        self.macros = {}
        self.keep = frozenset(keep)
        self.once = set()
        self.files = []          # every file read, in order
        for name, val in (predefined or GCC_PREDEFINED).items():
            self.define_text(name, val)

    # -- macro table --

    def define_text(self, name, body, params=None):
        self.macros[name] = Macro(name, params, False, tokenize(body))

    def _define(self, toks, where, fnlike):
        if not toks or toks[0].kind != "id":
            raise CError(where, "bad #define")
        name = toks[0].val
        rest = toks[1:]
        params = None
        variadic = False
        # Function-like only when '(' follows the name with no space (the
        # caller looked at the raw text: the lexer drops spacing).
        if rest and rest[0].val == "(" and fnlike:
            params = []
            i = 1
            while i < len(rest) and rest[i].val != ")":
                t = rest[i]
                if t.val == "...":
                    variadic = True
                    params.append("__VA_ARGS__")
                elif t.kind == "id":
                    params.append(t.val)
                elif t.val != ",":
                    raise CError(where, "bad macro parameter %r" % t.val)
                i += 1
            if i >= len(rest):
                raise CError(where, "unterminated macro parameters")
            rest = rest[i + 1:]
        self.macros[name] = Macro(name, params, variadic, rest)

    # -- expansion --

    def expand(self, toks):
        """Expand macros in toks (a list); returns a new list."""
        out = []
        stack = list(reversed(toks))
        while stack:
            t = stack.pop()
            if t.kind != "id" or t.val in t.hide or t.val in self.keep:
                out.append(t)
                continue
            m = self.macros.get(t.val)
            if m is None:
                out.append(t)
                continue
            if m.params is None:
                hide = t.hide | {m.name}
                body = [b.copy(hide) for b in self._paste(m.body, {})]
                for b in body:
                    b.file, b.line = t.file, t.line
                stack.extend(reversed(body))
                continue
            # Function-like: needs '(' next, else it is a plain name.
            if not stack or stack[-1].val != "(":
                out.append(t)
                continue
            stack.pop()
            args = self._collect_args(stack, t)
            body = self._substitute(m, args, t)
            hide = t.hide | {m.name}
            for b in body:
                b.hide = b.hide | hide
                b.file, b.line = t.file, t.line
            stack.extend(reversed(body))
        return out

    def _collect_args(self, stack, name_tok):
        args = [[]]
        depth = 0
        while True:
            if not stack:
                raise CError(name_tok.where(),
                             "unterminated call of macro %s" % name_tok.val)
            t = stack.pop()
            if t.val == "(":
                depth += 1
            elif t.val == ")":
                if depth == 0:
                    break
                depth -= 1
            elif t.val == "," and depth == 0:
                args.append([])
                continue
            args[-1].append(t)
        return args

    def _substitute(self, m, args, where_tok):
        params = m.params
        if len(args) == 1 and not args[0] and not params:
            args = []
        if m.variadic:
            fixed = len(params) - 1
            if len(args) < fixed:
                raise CError(where_tok.where(), "too few arguments to %s"
                             % m.name)
            va = []
            for k, a in enumerate(args[fixed:]):
                if k:
                    va.append(Tok("punct", ","))
                va.extend(a)
            args = args[:fixed] + [va]
        if len(args) != len(params):
            raise CError(where_tok.where(), "macro %s takes %d arguments, "
                         "got %d" % (m.name, len(params), len(args)))
        amap = dict(zip(params, args))
        body = m.body
        out = []
        i = 0
        while i < len(body):
            b = body[i]
            nxt = body[i + 1] if i + 1 < len(body) else None
            prev_paste = out and i > 0 and body[i - 1].val == "##"
            if b.val == "#" and nxt is not None and nxt.val in amap:
                text = " ".join(x.val for x in amap[nxt.val])
                out.append(Tok("str", '"%s"' % text.replace('"', '\\"')))
                i += 2
                continue
            if b.kind == "id" and b.val in amap:
                near_paste = prev_paste or (nxt is not None and nxt.val == "##")
                arg = amap[b.val]
                out.extend(t.copy() for t in
                           (arg if near_paste else self.expand(arg)))
                i += 1
                continue
            out.append(b.copy())
            i += 1
        return self._paste(out, amap)

    @staticmethod
    def _paste(toks, amap):
        if not any(t.val == "##" for t in toks):
            return [t.copy() for t in toks]
        out = []
        i = 0
        while i < len(toks):
            t = toks[i]
            if t.val == "##" and out and i + 1 < len(toks):
                left = out.pop()
                merged = tokenize(left.val + toks[i + 1].val)
                out.extend(merged)
                i += 2
                continue
            out.append(t.copy())
            i += 1
        return out

    # -- #if expressions --

    def eval_cond(self, toks, where):
        # defined X / defined(X) first, before expansion.
        pre = []
        i = 0
        while i < len(toks):
            t = toks[i]
            if t.val == "defined":
                if i + 1 < len(toks) and toks[i + 1].val == "(":
                    name = toks[i + 2].val
                    i += 4
                else:
                    name = toks[i + 1].val
                    i += 2
                pre.append(Tok("num", "1" if name in self.macros else "0"))
                continue
            pre.append(t)
            i += 1
        expd = []
        for t in self.expand(pre):
            if t.kind == "id":            # unknown names are 0
                expd.append(Tok("num", "0"))
            else:
                expd.append(t)
        try:
            return _CondEval(expd).value() != 0
        except (IndexError, ValueError, ZeroDivisionError) as e:
            raise CError(where, "cannot evaluate #if %s (%s)" %
                         (" ".join(t.val for t in toks), e))

    # -- files --

    def find_include(self, name, cur_dir):
        for d in [cur_dir] + self.include_dirs:
            p = os.path.join(d, name)
            if os.path.isfile(p):
                return os.path.normpath(p)
        return None

    def run(self, path):
        """Preprocess path; returns the list of code tokens."""
        out = []
        self._run_file(os.path.normpath(path), out, 0)
        return out

    def run_text(self, text, name="<text>"):
        out = []
        self._run_lines(text, name, os.getcwd(), out, 0)
        return out

    def _run_file(self, path, out, depth):
        if path in self.once:
            return
        if depth > 40:
            raise CError(path, "includes nested too deep")
        self.files.append(path)
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        self._run_lines(text, path, os.path.dirname(path), out, depth)

    def _run_lines(self, text, path, cur_dir, out, depth):
        rel = os.path.basename(path)
        # Stack of [active, taken, parent_active] per open conditional.
        conds = []
        active = True
        pending = []

        def flush():
            if pending:
                out.extend(self.expand(pending))
                pending.clear()

        for lineno, line in logical_lines(text):
            s = line.lstrip()
            where = "%s:%d" % (rel, lineno)
            if not s.startswith("#"):
                if active and s.strip():
                    pending.extend(tokenize(line, rel, lineno))
                continue
            m = re.match(r"#\s*([A-Za-z_]+)\s*(.*)$", s)
            if m is None:
                continue                   # null directive
            d, rest = m.group(1), m.group(2)
            if d in ("if", "ifdef", "ifndef"):
                if not active:
                    conds.append([False, True, False])
                    continue
                if d == "if":
                    val = self.eval_cond(tokenize(rest, rel, lineno), where)
                else:
                    name = rest.split()[0] if rest.split() else ""
                    val = (name in self.macros) == (d == "ifdef")
                conds.append([val, val, True])
                active = val
            elif d == "elif":
                if not conds:
                    raise CError(where, "#elif without #if")
                c = conds[-1]
                if c[2] and not c[1]:
                    c[0] = self.eval_cond(tokenize(rest, rel, lineno), where)
                    c[1] = c[0]
                else:
                    c[0] = False
                active = c[0]
            elif d == "else":
                if not conds:
                    raise CError(where, "#else without #if")
                c = conds[-1]
                c[0] = c[2] and not c[1]
                c[1] = True
                active = c[0]
            elif d == "endif":
                if not conds:
                    raise CError(where, "#endif without #if")
                conds.pop()
                active = conds[-1][0] if conds else True
            elif not active:
                continue
            elif d == "define":
                flush()
                toks = tokenize(rest, rel, lineno)
                fnlike = re.match(r"[A-Za-z_$][A-Za-z0-9_$]*\(", rest)
                self._define(toks, where, fnlike is not None)
            elif d == "undef":
                flush()
                self.macros.pop(rest.split()[0] if rest.split() else "", None)
            elif d == "include":
                flush()
                inc = rest.strip()
                if inc.startswith('"'):
                    name = inc[1:inc.index('"', 1)]
                    p = self.find_include(name, cur_dir)
                    if p is not None:
                        self._run_file(p, out, depth + 1)
            elif d == "pragma":
                if rest.strip() == "once":
                    self.once.add(os.path.normpath(path))
            elif d == "error":
                raise CError(where, "#error %s" % rest)
            # #line, #warning, #ident: nothing to do
        if conds:
            raise CError(rel, "unterminated #if")
        flush()


class _CondEval:
    """Precedence-climbing evaluator of preprocessor expressions."""

    BIN = {
        "*": (10, lambda a, b: a * b), "/": (10, lambda a, b: int(a / b)),
        "%": (10, lambda a, b: a % b), "+": (9, lambda a, b: a + b),
        "-": (9, lambda a, b: a - b), "<<": (8, lambda a, b: a << b),
        ">>": (8, lambda a, b: a >> b), "<": (7, lambda a, b: int(a < b)),
        "<=": (7, lambda a, b: int(a <= b)), ">": (7, lambda a, b: int(a > b)),
        ">=": (7, lambda a, b: int(a >= b)), "==": (6, lambda a, b: int(a == b)),
        "!=": (6, lambda a, b: int(a != b)), "&": (5, lambda a, b: a & b),
        "^": (4, lambda a, b: a ^ b), "|": (3, lambda a, b: a | b),
        "&&": (2, None), "||": (1, None),
    }

    def __init__(self, toks):
        self.t = toks
        self.i = 0

    def peek(self):
        return self.t[self.i].val if self.i < len(self.t) else None

    def next(self):
        self.i += 1
        return self.t[self.i - 1]

    def value(self):
        v = self.expr(0)
        if self.i != len(self.t):
            raise ValueError("junk after expression")
        return v

    def expr(self, minprec):
        v = self.unary()
        while True:
            op = self.peek()
            if op == "?" and minprec == 0:
                self.next()
                a = self.expr(0)
                if self.next().val != ":":
                    raise ValueError("missing :")
                b = self.expr(0)
                v = a if v else b
                continue
            if op not in self.BIN or self.BIN[op][0] < max(minprec, 1):
                return v
            prec, fn = self.BIN[op]
            self.next()
            rhs = self.expr(prec + 1)
            if op == "&&":
                v = int(bool(v) and bool(rhs))
            elif op == "||":
                v = int(bool(v) or bool(rhs))
            else:
                v = fn(v, rhs)

    def unary(self):
        t = self.next()
        if t.val == "(":
            v = self.expr(0)
            if self.next().val != ")":
                raise ValueError("missing )")
            return v
        if t.val == "!":
            return int(not self.unary())
        if t.val == "-":
            return -self.unary()
        if t.val == "+":
            return self.unary()
        if t.val == "~":
            return ~self.unary()
        if t.kind == "num":
            s = t.val.rstrip("uUlL")
            return int(s, 0) if not re.match(r"0[0-7]+$", s) else int(s, 8)
        if t.kind == "chr":
            return ord(t.val.strip("'")[-1])
        raise ValueError("unexpected %r" % t.val)


# ---- types ------------------------------------------------------------------


class Base:
    """A type named by specifiers: ('const', 'struct', 'cudaDeviceProp'),
    ('unsigned', 'int'), ('cudaStream_t',)."""

    def __init__(self, specs):
        self.specs = tuple(specs)

    def __eq__(self, o):
        return isinstance(o, Base) and o.specs == self.specs

    def __repr__(self):
        return "Base(%s)" % " ".join(self.specs)


class Ptr:
    """Pointer to `to`.  const: the pointer itself is const.  cc: a calling
    convention macro written before the '*' (function pointers)."""

    def __init__(self, to, const=False, cc=None):
        self.to = to
        self.const = const
        self.cc = cc

    def __eq__(self, o):
        return (isinstance(o, Ptr) and o.to == self.to and
                o.const == self.const and o.cc == self.cc)

    def __repr__(self):
        return "Ptr(%r%s)" % (self.to, " const" if self.const else "")


class Arr:
    def __init__(self, of, dim):
        self.of = of
        self.dim = dim            # text ('' for [])

    def __eq__(self, o):
        return isinstance(o, Arr) and o.of == self.of and o.dim == self.dim

    def __repr__(self):
        return "Arr(%r[%s])" % (self.of, self.dim)


class Fn:
    def __init__(self, ret, params, variadic=False, cc=None):
        self.ret = ret
        self.params = params      # list of Param
        self.variadic = variadic
        self.cc = cc

    def __eq__(self, o):
        return (isinstance(o, Fn) and o.ret == self.ret and
                o.params == self.params and o.variadic == self.variadic)

    def __repr__(self):
        return "Fn(%r, %r)" % (self.ret, self.params)


class Param:
    def __init__(self, name, type):
        self.name = name
        self.type = type

    def __eq__(self, o):
        return isinstance(o, Param) and (o.name, o.type) == (self.name,
                                                             self.type)

    def __repr__(self):
        return "Param(%s: %r)" % (self.name, self.type)


def declare(t, name=""):
    """C text declaring name with type t ('' gives an abstract type)."""
    if isinstance(t, Base):
        s = " ".join(t.specs)
        return s + " " + name if name else s
    if isinstance(t, Ptr):
        inner = "*" + ("const " if t.const else "") + name
        if t.cc:
            inner = t.cc + " " + inner
        if isinstance(t.to, (Fn, Arr)):
            inner = "(" + inner + ")"
        return declare(t.to, inner)
    if isinstance(t, Arr):
        return declare(t.of, "%s[%s]" % (name, t.dim))
    if isinstance(t, Fn):
        inner = name
        if t.cc and name and not name.startswith("("):
            inner = t.cc + " " + name
        return declare(t.ret, "%s(%s)" % (inner, param_list(t)))
    raise TypeError(t)


def param_list(fn):
    if not fn.params and not fn.variadic:
        return "void"
    parts = [declare(p.type, p.name) for p in fn.params]
    if fn.variadic:
        parts.append("...")
    return ", ".join(parts)


def tidy(s):
    """'int * * p' -> 'int **p' style spacing for declare() output."""
    s = re.sub(r"\*\s+(?=[\w(*])", "*", s)
    s = re.sub(r"\s+", " ", s)
    return s.strip()


def strip_const(t):
    """t without its top-level const (for a local variable holding it)."""
    if isinstance(t, Base):
        return Base([s for s in t.specs if s not in ("const", "volatile")])
    if isinstance(t, Ptr):
        return Ptr(t.to, False, t.cc)
    return t


# ---- declarations -----------------------------------------------------------

BUILTIN_WORDS = {"void", "char", "short", "int", "long", "float", "double",
                 "signed", "unsigned", "_Bool", "__int128"}
QUALIFIERS = {"const", "volatile", "restrict", "__restrict", "__restrict__"}
STORAGE = {"extern", "static", "typedef", "inline", "__inline__", "__inline",
           "register", "auto", "_Thread_local", "__thread", "__extension__"}
ATTRIBUTE_WORDS = {"__attribute__", "__attribute", "__declspec", "__asm__",
                   "__asm", "asm", "_Alignas", "alignas", "_Pragma",
                   "__pragma"}


class Header:
    """What a set of headers declares: prototypes by name (in order),
    typedefs, struct/union/enum tags."""

    def __init__(self):
        self.protos = {}          # name -> Fn, first declaration wins
        self.typedefs = {}        # name -> type
        self.tags = {}            # 'struct X' -> 'struct'|'union'|'enum'
        self.files = []           # headers read, in order
        self.macros = {}          # macro table after the last header


class DeclParser:
    def __init__(self, header=None, callconv=CALLCONV_MACROS):
        self.h = header or Header()
        self.cc = set(callconv)

    # -- statement splitting --

    def feed(self, toks):
        toks = self._drop_attributes(toks)
        stmt = []
        depth = 0
        i = 0
        n = len(toks)
        while i < n:
            t = toks[i]
            v = t.val
            if v in ("(", "[", "{"):
                if (v == "{" and depth == 0 and stmt and
                        stmt[-1].val == ")" and not self._is_aggregate(stmt)):
                    # A function definition: skip its body.
                    i = self._skip_braces(toks, i)
                    stmt = []
                    continue
                depth += 1
            elif v in (")", "]", "}"):
                depth -= 1
            elif v == ";" and depth == 0:
                if stmt:
                    self._statement(stmt)
                stmt = []
                i += 1
                continue
            stmt.append(t)
            i += 1
        return self.h

    @staticmethod
    def _skip_braces(toks, i):
        depth = 0
        while i < len(toks):
            if toks[i].val == "{":
                depth += 1
            elif toks[i].val == "}":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return i

    @staticmethod
    def _is_aggregate(stmt):
        return any(t.val in ("struct", "union", "enum") for t in stmt[:3]) \
            and not any(t.val == "(" for t in stmt)

    @staticmethod
    def _drop_attributes(toks):
        out = []
        i = 0
        while i < len(toks):
            t = toks[i]
            if t.kind == "id" and t.val in ATTRIBUTE_WORDS:
                j = i + 1
                if j < len(toks) and toks[j].val == "(":
                    depth = 0
                    while j < len(toks):
                        if toks[j].val == "(":
                            depth += 1
                        elif toks[j].val == ")":
                            depth -= 1
                            if depth == 0:
                                break
                        j += 1
                    i = j + 1
                    continue
                i += 1
                continue
            if t.kind == "str" and out and out[-1].val == "extern":
                out.pop()                     # extern "C"
                i += 1
                continue
            out.append(t)
            i += 1
        return out

    # -- one declaration --

    def _statement(self, toks):
        where = toks[0].where()
        if toks[0].val == "}" or toks[0].val == "{":
            return
        p = _Cursor(toks, where)
        try:
            base, storage, cc = self.specifiers(p)
            if p.at_end():
                return                        # struct X {...};
            while True:
                name, t = self.declarator(p, base)
                if isinstance(t, Fn) and cc and not t.cc:
                    t.cc = cc
                if "typedef" in storage:
                    if name:
                        self.h.typedefs[name] = t
                elif isinstance(t, Fn) and name:
                    if name not in self.h.protos:
                        self.h.protos[name] = t
                if p.peek() == "=":          # initialiser: skip
                    while not p.at_end() and p.peek() != ",":
                        p.next()
                if p.at_end():
                    break
                p.expect(",")
        except IndexError:
            raise CError(where, "cannot parse declaration: %s"
                         % " ".join(t.val for t in toks[:30]))

    def specifiers(self, p):
        """Declaration specifiers -> (Base, storage set, callconv)."""
        specs = []
        storage = set()
        cc = None
        have_type = False
        while not p.at_end():
            v = p.peek()
            t = p.tok()
            if v in STORAGE:
                storage.add(v)
                p.next()
            elif v in QUALIFIERS:
                if v == "const":
                    specs.append("const")
                p.next()
            elif v in self.cc:
                cc = v
                p.next()
            elif v in ("struct", "union", "enum"):
                p.next()
                tag = None
                if p.tok().kind == "id":
                    tag = p.next().val
                if p.peek() == "{":
                    self._aggregate_body(p, v, tag)
                if tag is None:
                    tag = "<anon@%s>" % t.where()
                self.h.tags.setdefault("%s %s" % (v, tag), v)
                specs += [v, tag]
                have_type = True
            elif v in BUILTIN_WORDS:
                specs.append(v)
                have_type = True
                p.next()
            elif t.kind == "id" and not have_type:
                specs.append(v)
                have_type = True
                p.next()
            else:
                break
        if not have_type:
            if any(s in ("unsigned", "signed") for s in specs):
                specs.append("int")
            else:
                raise CError(p.where, "no type in declaration near %r"
                             % p.peek())
        return Base(specs), storage, cc

    def _aggregate_body(self, p, kind, tag):
        p.skip_balanced("{", "}")

    def declarator(self, p, base):
        """Parse one (possibly abstract) declarator; returns (name, type)."""
        name, build = self._declarator(p)
        return name, build(base)

    def _declarator(self, p):
        ptrs = []                 # (const, cc)
        cc = None
        while not p.at_end():
            v = p.peek()
            if v == "*":
                p.next()
                const = False
                while not p.at_end() and p.peek() in QUALIFIERS:
                    const = const or p.next().val == "const"
                ptrs.append((const, cc))
                cc = None
            elif v in self.cc:
                cc = v
                p.next()
            else:
                break
        inner = None
        name = ""
        if not p.at_end() and p.peek() == "(" and self._nested(p):
            p.next()
            name, inner = self._declarator(p)
            p.expect(")")
        elif not p.at_end() and p.tok().kind == "id" and p.peek() not in \
                QUALIFIERS:
            name = p.next().val
        suffixes = []
        while not p.at_end():
            if p.peek() == "[":
                start = p.i
                p.skip_balanced("[", "]")
                dim = " ".join(t.val for t in p.toks[start + 1:p.i - 1])
                suffixes.append(("arr", dim))
            elif p.peek() == "(":
                params, variadic = self._params(p)
                suffixes.append(("fn", params, variadic))
            else:
                break
        fn_cc = cc

        def build(t):
            for const, pcc in ptrs:
                t = Ptr(t, const, pcc)
            for s in reversed(suffixes):
                if s[0] == "arr":
                    t = Arr(t, s[1])
                else:
                    t = Fn(t, s[1], s[2], fn_cc)
            return inner(t) if inner else t
        return name, build

    def _nested(self, p):
        nxt = p.peek(1)
        return nxt in ("*", "(", "^") or nxt in self.cc

    def _params(self, p):
        p.expect("(")
        params = []
        variadic = False
        if p.peek() == ")":
            p.next()
            return params, False
        while True:
            if p.peek() == "...":
                p.next()
                variadic = True
            else:
                base, _, _ = self.specifiers(p)
                name, t = self.declarator(p, base)
                if p.peek() == "=":          # C++ default argument
                    depth = 0
                    while not (depth == 0 and p.peek() in (",", ")")):
                        v = p.next().val
                        depth += v == "("
                        depth -= v == ")"
                params.append(Param(name, t))
            if p.peek() == ")":
                p.next()
                break
            p.expect(",")
        if (len(params) == 1 and not params[0].name and
                params[0].type == Base(["void"])):
            params = []
        return params, variadic


class _Cursor:
    def __init__(self, toks, where):
        self.toks = toks
        self.i = 0
        self.where = where

    def at_end(self):
        return self.i >= len(self.toks)

    def tok(self, k=0):
        return self.toks[self.i + k]

    def peek(self, k=0):
        j = self.i + k
        return self.toks[j].val if j < len(self.toks) else None

    def next(self):
        self.i += 1
        return self.toks[self.i - 1]

    def expect(self, v):
        if self.peek() != v:
            raise CError(self.toks[min(self.i, len(self.toks) - 1)].where()
                         or self.where, "expected %r, found %r"
                         % (v, self.peek()))
        return self.next()

    def skip_balanced(self, open_, close):
        depth = 0
        while True:
            v = self.next().val
            if v == open_:
                depth += 1
            elif v == close:
                depth -= 1
                if depth == 0:
                    return


def parse_headers(files, include_dirs, predefined=None):
    """Preprocess and parse files (paths); returns a Header."""
    pp = Preprocessor(include_dirs, predefined)
    dp = DeclParser()
    for f in files:
        dp.feed(pp.run(f))
    dp.h.files = pp.files
    dp.h.macros = pp.macros
    return dp.h


def parse_text(text, predefined=None, include_dirs=()):
    """Parse header text (tests)."""
    pp = Preprocessor(include_dirs, predefined)
    return DeclParser().feed(pp.run_text(text))


# ---- classification of types ------------------------------------------------

# C library typedefs the CUDA headers use without declaring (they come from
# <stddef.h>/<stdint.h>, which we do not read): name -> wire kind.
KNOWN_TYPEDEFS = {
    "size_t": "u64", "ssize_t": "i64", "ptrdiff_t": "i64",
    "uintptr_t": "u64", "intptr_t": "i64",
    "uint8_t": "raw", "int8_t": "raw", "uint16_t": "raw", "int16_t": "raw",
    "uint32_t": "u32", "int32_t": "i32", "uint64_t": "u64", "int64_t": "i64",
    "wchar_t": "i32",
}

BUILTIN_KINDS = {
    ("int",): "i32", ("signed", "int"): "i32", ("unsigned", "int"): "u32",
    ("unsigned",): "u32", ("signed",): "i32",
    ("long",): "i64", ("long", "int"): "i64", ("unsigned", "long"): "u64",
    ("unsigned", "long", "int"): "u64", ("long", "long"): "i64",
    ("long", "long", "int"): "i64", ("unsigned", "long", "long"): "u64",
    ("unsigned", "long", "long", "int"): "u64",
    ("signed", "long"): "i64", ("signed", "long", "long"): "i64",
    ("float",): "f32", ("double",): "f64",
    ("char",): "raw", ("signed", "char"): "raw", ("unsigned", "char"): "raw",
    ("short",): "raw", ("unsigned", "short"): "raw", ("short", "int"): "raw",
    ("unsigned", "short", "int"): "raw", ("_Bool",): "raw",
    ("void",): "void", ("long", "double"): "raw",
}


def resolve(h, t, seen=None):
    """Follow typedefs: the underlying type of t (qualifiers kept)."""
    seen = seen or set()
    while isinstance(t, Base):
        names = [s for s in t.specs if s not in ("const", "volatile")]
        if len(names) == 1 and names[0] in h.typedefs and \
                names[0] not in seen:
            seen.add(names[0])
            t = h.typedefs[names[0]]
            continue
        break
    return t


def wire_kind(h, t):
    """How a value of type t travels: i32 u32 i64 u64 f32 f64 (typed
    scalars), enum, ptr (pointers and opaque handles), raw (structs,
    unions, small integers: bytes), void, fnptr, or unknown."""
    t = resolve(h, t)
    if isinstance(t, Ptr):
        to = resolve(h, t.to)
        return "fnptr" if isinstance(to, Fn) else "ptr"
    if isinstance(t, Arr):
        return "ptr"
    if isinstance(t, Fn):
        return "fnptr"
    names = tuple(s for s in t.specs if s not in ("const", "volatile"))
    if names and names[0] in ("struct", "union"):
        return "raw"
    if names and names[0] == "enum":
        return "enum"
    if names in BUILTIN_KINDS:
        return BUILTIN_KINDS[names]
    if len(names) == 1 and names[0] in KNOWN_TYPEDEFS:
        return KNOWN_TYPEDEFS[names[0]]
    return "unknown"


def typedef_name(t):
    """The typedef name a Base type is written with, else None."""
    if isinstance(t, Base):
        names = [s for s in t.specs if s not in ("const", "volatile")]
        if len(names) == 1 and names[0] not in BUILTIN_WORDS:
            return names[0]
    return None


def is_const(t):
    if isinstance(t, Base):
        return "const" in t.specs
    if isinstance(t, Ptr):
        return t.const
    return False
