# Per-target flags: warnings, sanitizers, fuzzing. (GCC 12 reports false
# -Wstringop-* and -Wrestrict warnings inside libstdc++ for vector copies and
# comparisons; those three are off for GNU only.) Nothing goes into the global
# CMAKE_CXX_FLAGS (the environment's $CXXFLAGS still applies, as OSS-Fuzz needs).

if(MLSREF_FUZZ AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR
    "MLSREF_FUZZ needs clang (libFuzzer); this build uses ${CMAKE_CXX_COMPILER_ID}. "
    "Configure with CXX=clang++, or use 'make fuzz'.")
endif()

if(MLSREF_CLANG_TIDY)
  find_program(CLANG_TIDY_EXE NAMES clang-tidy clang-tidy-14 REQUIRED)
endif()

# The sanitizer flags, for targets that mlsref_target_options() marks.
set(MLSREF_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)

function(mlsref_target_options target)
  target_compile_options(${target} PRIVATE
    $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wno-missing-field-initializers>
    $<$<CXX_COMPILER_ID:GNU>:-Wno-stringop-overflow -Wno-stringop-overread -Wno-restrict>)
  if(MLSREF_SANITIZE)
    target_compile_options(${target} PRIVATE ${MLSREF_SANITIZER_FLAGS})
    target_link_options(${target} PRIVATE ${MLSREF_SANITIZER_FLAGS})
  endif()
  if(MLSREF_FUZZ AND NOT DEFINED ENV{LIB_FUZZING_ENGINE})
    # Local fuzz builds instrument everything; OSS-Fuzz passes its own $CXXFLAGS.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                           -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(MLSREF_CLANG_TIDY)
    set_target_properties(${target} PROPERTIES CXX_CLANG_TIDY "${CLANG_TIDY_EXE}")
  endif()
endfunction()
