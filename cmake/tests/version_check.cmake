# Checks the installed mbufConfigVersion.cmake the way find_package() calls
# it:  cmake -DVERSION_FILE=<prefix>/lib/cmake/mbuf/mbufConfigVersion.cmake
#            -DHAVE=<x.y.z> -P version_check.cmake
# Fails (FATAL_ERROR) on the first wrong answer.

function(ask want ptrsize expect_ok)
  set(PACKAGE_FIND_VERSION "${want}")
  if(want)
    string(REPLACE "." ";" parts "${want}")
    list(GET parts 0 PACKAGE_FIND_VERSION_MAJOR)
    list(LENGTH parts n)
    if(n GREATER 1)
      list(GET parts 1 PACKAGE_FIND_VERSION_MINOR)
    else()
      set(PACKAGE_FIND_VERSION_MINOR 0)
    endif()
  endif()
  set(CMAKE_SIZEOF_VOID_P "${ptrsize}")
  unset(PACKAGE_VERSION_UNSUITABLE)
  include("${VERSION_FILE}")
  if(PACKAGE_VERSION_COMPATIBLE AND NOT PACKAGE_VERSION_UNSUITABLE)
    set(ok TRUE)
  else()
    set(ok FALSE)
  endif()
  if(NOT ok STREQUAL expect_ok)
    message(FATAL_ERROR "version file: asked '${want}' with ${ptrsize}-byte "
      "pointers, got compatible=${ok} (version ${PACKAGE_VERSION}), "
      "expected ${expect_ok}")
  endif()
  message(STATUS "asked '${want}', ${ptrsize}-byte pointers: compatible=${ok} (${PACKAGE_VERSION})")
  if(NOT want AND NOT PACKAGE_VERSION STREQUAL HAVE AND ptrsize STREQUAL "8")
    message(FATAL_ERROR "version file says ${PACKAGE_VERSION}, header says ${HAVE}")
  endif()
endfunction()

string(REPLACE "." ";" _h "${HAVE}")
list(GET _h 0 _maj)
list(GET _h 1 _min)
math(EXPR _next_min "${_min} + 1")
math(EXPR _next_maj "${_maj} + 1")

ask("" 8 TRUE)
ask("${HAVE}" 8 TRUE)
ask("${_maj}.${_min}" 8 TRUE)
ask("${_maj}.${_next_min}" 8 FALSE)
ask("${_next_maj}.0" 8 FALSE)
ask("${HAVE}" 4 FALSE)
ask("" 4 FALSE)
