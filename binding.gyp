# The addon target. Everything that depends on the chosen Python or on the
# static extension manifest (include dirs, libpython, the generated table,
# the extension archive) comes from build/<tag>/build-config.json, written by
# scripts/build.mjs and read here through scripts/gyp-config.mjs; CMakeLists.txt
# reads the same file, so no list is kept twice.
{
  "targets": [
    {
      "target_name": "static_py",
      "sources": ["<!@(node scripts/gyp-config.mjs sources)"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native",
        "native/include",
        "<!@(node scripts/gyp-config.mjs include_dirs)"
      ],
      "defines": [
        "NAPI_VERSION=9",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "<!@(node scripts/gyp-config.mjs defines)"
      ],
      # C++ exceptions are on (node-addon-api's NAPI_CPP_EXCEPTIONS); no C++
      # exception may cross a CPython frame, see native/util/py_boundary.h.
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags": ["-fvisibility=hidden", "<!@(node scripts/gyp-config.mjs cflags)"],
      "cflags_cc": ["-std=c++17", "-fexceptions"],
      "ldflags": ["<!@(node scripts/gyp-config.mjs ldflags)"],
      "libraries": ["<!@(node scripts/gyp-config.mjs libraries)"]
    }
  ]
}
