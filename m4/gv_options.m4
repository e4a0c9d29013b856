# GV_PKG_OPTION(name, VAR, pkg-modules, description)
# An optional dependency found with pkg-config: --with-NAME=guess|yes|no.
# "guess" (the default) turns the feature off when the package is missing;
# "yes" makes a missing package an error.  Sets have_NAME, VAR_CFLAGS,
# VAR_LIBS, the automake conditional HAVE_VAR and the define HAVE_VAR.
AC_DEFUN([GV_PKG_OPTION], [
    AC_ARG_WITH([$1],
        [AS_HELP_STRING([--with-$1=guess|yes|no], [$4 (default: guess)])],
        [], [with_$1=guess])
    have_$1=no
    AS_IF([test "x$with_$1" != xno], [
        PKG_CHECK_MODULES([$2], [$3], [have_$1=yes], [have_$1=no])
        AS_IF([test "x$have_$1" = xno && test "x$with_$1" = xyes],
              [AC_MSG_ERROR([--with-$1 requested but $3 not found])])
    ])
    AS_IF([test "x$have_$1" = xyes],
          [AC_DEFINE([HAVE_$2], [1], [Define if $4 is available])])
    AM_CONDITIONAL([HAVE_$2], [test "x$have_$1" = xyes])
])

# AX_PTHREAD_SIMPLE: gcc and clang on Linux only need -pthread.
AC_DEFUN([AX_PTHREAD_SIMPLE], [
    PTHREAD_CFLAGS=-pthread
    PTHREAD_LIBS=-pthread
    AC_SUBST([PTHREAD_CFLAGS])
    AC_SUBST([PTHREAD_LIBS])
])
