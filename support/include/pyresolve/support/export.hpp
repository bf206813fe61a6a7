#pragma once
/// @file
/// `PYRESOLVE_API` marks what the libraries export: every class and function of the installed
/// headers that a program calls, and the internal ones that inline code of those headers or
/// another pyresolve library reaches. The build compiles with hidden visibility, so in a
/// shared build (BUILD_SHARED_LIBS, which defines PYRESOLVE_SHARED for the libraries and for
/// every user of the installed package) only these are exported; in a static build the mark is
/// empty, so that a program or library linking the archives exports none of them.

#if defined(PYRESOLVE_SHARED)
#define PYRESOLVE_API __attribute__((visibility("default")))
#else
#define PYRESOLVE_API
#endif
