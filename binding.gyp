# The addon target. Everything in it (sources, include dirs, defines, flags,
# libpython, the generated table, the extension archives) comes from
# builds/<tag>/build-config.json, written by scripts/build.mjs and read here
# through scripts/gyp-config.mjs; CMakeLists.txt reads the same file, so no
# list is kept twice.
{
  "targets": [
    {
      "target_name": "static_py",
      "sources": ["<!@(node scripts/gyp-config.mjs sources)"],
      "include_dirs": ["<!@(node scripts/gyp-config.mjs include_dirs)"],
      "defines": ["<!@(node scripts/gyp-config.mjs defines)"],
      # node-gyp's own defaults would turn exceptions off and pick gnu++17.
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags": ["<!@(node scripts/gyp-config.mjs cflags)"],
      "cflags_cc": ["<!@(node scripts/gyp-config.mjs cflags_cc)"],
      "ldflags": ["<!@(node scripts/gyp-config.mjs ldflags)"],
      "libraries": ["<!@(node scripts/gyp-config.mjs libraries)"]
    }
  ]
}
