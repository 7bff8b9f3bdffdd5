// Where in an argument a conversion is, for its error messages
// ("args[2].key[0]"): the argument's root and index, plus the segments the
// converters add as they descend. The whole string is only built for a
// message, so converting a call's plain arguments builds none.
#ifndef STATIC_PY_CONVERT_CONVERSION_PATH_H_
#define STATIC_PY_CONVERT_CONVERSION_PATH_H_

#include <cstddef>
#include <string>

namespace static_py {

class ConversionPath {
 public:
  static constexpr size_t kNoIndex = static_cast<size_t>(-1);

  explicit ConversionPath(const char* root, size_t index = kNoIndex) : root_(root), index_(index) {}

  // Segments below the root; callers append and then resize back.
  std::string& below() { return below_; }

  std::string str() const {
    std::string out = root_;
    if (index_ != kNoIndex) out += "[" + std::to_string(index_) + "]";
    return out + below_;
  }

 private:
  const char* root_;
  size_t index_;
  std::string below_;
};

}  // namespace static_py

#endif  // STATIC_PY_CONVERT_CONVERSION_PATH_H_
