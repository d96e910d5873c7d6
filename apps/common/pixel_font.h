// A 5×7 pixel font for labelling figures (axis values, latent indices, factor names, titles) without a
// font library. Upper-case letters, digits and common punctuation; lower case is drawn upper case and
// any other character as a blank. Each glyph is spelled out as seven rows of '#' (ink) and '.'.
#pragma once
#include <cstddef>

namespace untangle {

constexpr size_t kGlyphWidth = 5, kGlyphHeight = 7;
// Horizontal distance from one glyph's left edge to the next's, in font pixels (one blank column).
constexpr size_t kGlyphAdvance = kGlyphWidth + 1;

// The seven rows of `character`'s glyph, or nullptr when the font has none (drawn as a space).
const char* const* glyph_rows(char character);

}  // namespace untangle
