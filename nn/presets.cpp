#include "nn/presets.h"

#include "core/check.h"

namespace untangle {

const ConventionPreset& find_convention_preset(const std::string& name) {
  std::string known;
  for (const ConventionPreset& preset : convention_presets()) {
    if (name == preset.name) return preset;
    known += (known.empty() ? "" : ", ") + std::string(preset.name);
  }
  fail("unknown convention preset '", name, "' (known: ", known, ")");
}

std::string default_convention_preset(const std::string& model) {
  if (model == "weak_gan") return "weak_disentangle";
  if (model == "decomposition_vae") return "mathieu2019";
  return "disentanglement_lib";
}

void apply_convention_preset(const ConventionPreset& preset, ModelSettings& settings) {
  settings.reconstruction.kind = preset.reconstruction;
  settings.reconstruction.reduction = preset.reduction;
  settings.optimizer.learning_rate = preset.learning_rate;
  settings.initializer = preset.initializer;
  if (settings.architecture != "linear") settings.architecture = preset.architecture;
  // Only the Ada models read it; leaving the others' at the default keeps their config.json unchanged.
  if (settings.model.rfind("ada_", 0) == 0) settings.ada_divergence = preset.ada_divergence;
}

}  // namespace untangle
