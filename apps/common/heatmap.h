// A square matrix as a PNG heat map with a colour bar: the figure form of the distance matrices
// (Michlo et al. Fig. 3, 8, 10). Light = small, dark = large; the bar beside the matrix is labelled
// with its top and bottom values, and an optional title names what the matrix shows.
// The colour maps follow the paper's figures: ground-truth matrices in "Blues", perceived ones in
// "Purples" (disent's research plots; docs/reproductions/michlo.md); both are a three-stop linear ramp here.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "apps/common/canvas.h"

namespace untangle {

enum class ColourMap { Blues, Purples };

// t in [0, 1] (clamped) -> colour; 0 is the light end.
Rgb colour_at(ColourMap map, double t);

// matrix: (n, n) row-major. The colour range is [min, max] of the matrix (a constant matrix is drawn
// at the light end). Each cell is `cell_pixels` wide; 0 chooses about 256 / n. A non-empty `title` is
// written above the matrix.
void write_heatmap_png(const std::string& path, const std::vector<double>& matrix, size_t n, ColourMap map,
                       size_t cell_pixels = 0, const std::string& title = "");

// The label text the colour bar shows for a value ("%.3g").
std::string colour_bar_label(double value);

}  // namespace untangle
