# src/keymap/keymap.cmake - build fragment of the keymap layer (included from
# the top CMakeLists.txt after the layers and tests are defined).
#
#  - embeds keymaps/default into kb_keymap as a byte array (generated C file
#    in the build tree; re-generated when keymaps/default changes), so the
#    built-in default is parsed by the same loader as user files;
#  - tells kb_keymap where shipped keymaps live (KB_DATADIR, source tree);
#  - builds tools/kb-keydoc, the generator of docs/keys.md, with a `keydoc`
#    target that regenerates the committed file and a ctest test
#    (keymap/docs-fresh) that fails while the committed file is stale.

if(NOT TARGET kb_keymap)
    return()
endif()

# ---------------------------------------------------------------- built-in default keymap
set(_kb_keymap_default ${CMAKE_SOURCE_DIR}/keymaps/default)
set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${_kb_keymap_default})
file(READ ${_kb_keymap_default} _kb_hex HEX)
string(LENGTH "${_kb_hex}" _kb_len)
math(EXPR _kb_len "${_kb_len} / 2")
# 16 bytes per line: split the hex string every 32 digits, then 0x-prefix each byte.
string(REGEX REPLACE "(................................)" "\\1\n    " _kb_hex "${_kb_hex}")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1, " _kb_bytes "${_kb_hex}")
set(_kb_keymap_gen ${CMAKE_BINARY_DIR}/generated/keymap_default.c)
file(CONFIGURE OUTPUT ${_kb_keymap_gen} @ONLY CONTENT
"/* Generated from keymaps/default by src/keymap/keymap.cmake; do not edit. */
#include <stddef.h>

extern const unsigned char kb_keymap_builtin_default[];
extern const size_t kb_keymap_builtin_default_len;

const unsigned char kb_keymap_builtin_default[] = {
    @_kb_bytes@0x00};
const size_t kb_keymap_builtin_default_len = @_kb_len@;
")
target_sources(kb_keymap PRIVATE ${_kb_keymap_gen})

# Where `keymap = NAME` looks for NAME (after $KERNBOARD_KEYMAP_DIR).
target_compile_definitions(kb_keymap PRIVATE
    KB_DATADIR="${KB_DATADIR}"
    KB_SOURCE_KEYMAP_DIR="${CMAKE_SOURCE_DIR}/keymaps")

# ---------------------------------------------------------------- docs/keys.md
add_executable(kb-keydoc ${CMAKE_SOURCE_DIR}/tools/kb-keydoc.c)
target_link_libraries(kb-keydoc PRIVATE kb_keymap kb_util)
add_custom_target(keydoc
    COMMAND kb-keydoc --keymaps ${CMAKE_SOURCE_DIR}/keymaps
            --output ${CMAKE_SOURCE_DIR}/docs/keys.md
    COMMENT "Regenerating docs/keys.md"
    VERBATIM)

if(KB_TESTS)
    add_test(NAME keymap/docs-fresh
        COMMAND kb-keydoc --keymaps ${CMAKE_SOURCE_DIR}/keymaps
                --output ${CMAKE_BINARY_DIR}/keys.md
                --check ${CMAKE_SOURCE_DIR}/docs/keys.md
                --hint "cmake --build ${CMAKE_BINARY_DIR} --target keydoc")
    # The unit test reads the shipped keymaps straight from the source tree.
    if(TARGET test_keymap)
        target_compile_definitions(test_keymap PRIVATE
            KB_TEST_KEYMAP_DIR="${CMAKE_SOURCE_DIR}/keymaps")
    endif()
endif()
