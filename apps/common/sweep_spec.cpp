#include "apps/common/sweep_spec.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "apps/common/json.h"
#include "apps/common/json_value.h"
#include "core/check.h"
#include "core/file_io.h"

namespace untangle {

namespace {

// A spec is a short text; anything larger is not one (and is not read into memory).
constexpr std::uintmax_t kLargestSpecBytes = 16u << 20;

// Options of `untangle train` that the sweep sets itself (or that are not settings of a run).
const std::set<std::string> kReservedKeys = {"out", "resume", "dry-run", "help", "worker"};

void check_setting_key(const std::string& key, const std::string& where) {
  require(!key.empty() &&
              key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos &&
              key[0] != '-',
          where, ": '", key, "' is not a setting name (an `untangle train` flag without the leading --)");
  require(!kReservedKeys.count(key), where, ": '", key, "' cannot be set in a sweep",
          key == "out" ? " (each run's directory comes from \"results\" and its id)" : "");
}

std::string setting_value(const JsonValue& value, const std::string& where) {
  require(value.is(JsonValue::Kind::String) || value.is(JsonValue::Kind::Number), where,
          ": a setting's value must be a string or a number, got ", json_kind_name(value.kind));
  require(value.text.find('\0') == std::string::npos, where, ": a value holds a NUL character");
  return value.text;
}

SweepSettings settings_object(const JsonValue& object, const std::string& where, bool allow_id) {
  require(object.is(JsonValue::Kind::Object), where, " must be an object, got ", json_kind_name(object.kind));
  SweepSettings settings;
  for (const auto& [key, value] : object.members) {
    if (!(allow_id && key == "id")) check_setting_key(key, where);
    settings.emplace_back(key, setting_value(value, where + "." + key));
  }
  return settings;
}

std::vector<std::pair<std::string, std::vector<std::string>>> product_object(const JsonValue& object,
                                                                             const std::string& where) {
  require(object.is(JsonValue::Kind::Object), where, " must be an object, got ", json_kind_name(object.kind));
  std::vector<std::pair<std::string, std::vector<std::string>>> product;
  for (const auto& [key, list] : object.members) {
    check_setting_key(key, where);
    require(list.is(JsonValue::Kind::Array) && !list.items.empty(), where, ".", key,
            " must be a non-empty list of values");
    std::vector<std::string> values;
    for (const JsonValue& item : list.items) {
      values.push_back(setting_value(item, where + "." + key));
      require(std::count(values.begin(), values.end(), values.back()) == 1, where, ".", key, ": the value '",
              values.back(), "' is listed twice");
    }
    product.emplace_back(key, values);
  }
  return product;
}

std::vector<long long> seeds_list(const JsonValue& list, const std::string& where) {
  require(list.is(JsonValue::Kind::Array) && !list.items.empty(), where,
          " must be a non-empty list of integers");
  std::vector<long long> seeds;
  for (const JsonValue& item : list.items) {
    require(item.is(JsonValue::Kind::Number) && item.text.find_first_of(".eE") == std::string::npos, where,
            ": '", item.text, "' is not an integer");
    seeds.push_back(parse_integer_text(item.text, where));
    require(std::count(seeds.begin(), seeds.end(), seeds.back()) == 1, where, ": seed ", seeds.back(),
            " is listed twice");
  }
  return seeds;
}

std::string text_field(const JsonValue& value, const std::string& where) {
  require(value.is(JsonValue::Kind::String) && !value.text.empty(), where, " must be a non-empty string");
  return value.text;
}

void set_setting(SweepSettings& settings, const std::string& key, const std::string& value) {
  for (auto& setting : settings)
    if (setting.first == key) {
      setting.second = value;
      return;
    }
  settings.emplace_back(key, value);
}

const std::string* find_setting(const SweepSettings& settings, const std::string& key) {
  for (const auto& setting : settings)
    if (setting.first == key) return &setting.second;
  return nullptr;
}

}  // namespace

SweepSpec parse_sweep_spec(const std::string& text, const std::string& source,
                           const std::string& spec_folder) {
  const JsonValue document = parse_json(text, source);
  require(document.is(JsonValue::Kind::Object), source, ": a sweep spec is a JSON object, got ",
          json_kind_name(document.kind));
  SweepSpec spec;
  bool has_name = false, has_results = false;
  for (const auto& [field, value] : document.members) {
    const std::string where = source + ": \"" + field + "\"";
    if (field == "name") {
      spec.name = text_field(value, where), has_name = true;
    } else if (field == "results") {
      spec.results = text_field(value, where), has_results = true;
    } else if (field == "base") {
      spec.base = settings_object(value, where, false);
    } else if (field == "product") {
      spec.product = product_object(value, where);
    } else if (field == "runs") {
      require(value.is(JsonValue::Kind::Array), where, " must be a list of objects");
      for (size_t i = 0; i < value.items.size(); ++i)
        spec.runs.push_back(settings_object(value.items[i], where + "[" + std::to_string(i) + "]", true));
    } else if (field == "seeds") {
      spec.seeds = seeds_list(value, where);
    } else {
      fail(source, ": unknown field \"", field, "\" (a spec has name, results, base, product, runs, seeds)");
    }
  }
  require(has_name, source, ": the field \"name\" is missing");
  require(has_results, source, ": the field \"results\" (the folder of the run directories) is missing");
  const std::filesystem::path results(spec.results);
  spec.results = (results.is_absolute() ? results : std::filesystem::absolute(spec_folder) / results)
                     .lexically_normal()
                     .string();
  while (spec.results.size() > 1 && spec.results.back() == '/') spec.results.pop_back();
  return spec;
}

SweepSpec read_sweep_spec(const std::string& path) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  require(!error, path, ": cannot read the sweep spec (", error.message(), ")");
  require(size <= kLargestSpecBytes, path, ": ", size,
          " bytes is too large for a sweep spec (at most 16 MiB)");
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  const std::string folder = std::filesystem::absolute(path).parent_path().string();
  return parse_sweep_spec(std::string(bytes.begin(), bytes.end()), path, folder);
}

std::vector<std::string> SpecRun::flags() const {
  std::vector<std::string> words;
  for (const auto& [key, value] : settings) words.insert(words.end(), {"--" + key, value});
  return words;
}

std::string sweep_directory_name(const SweepSettings& varied) {
  std::string name;
  for (const auto& [key, value] : varied) {
    std::string part = is_json_number(value) ? key + value : value;
    for (char& c : part)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '+' && c != '-')
        c = '-';
    name += (name.empty() ? "" : "_") + part;
  }
  if (name.empty()) return "base";        // a spec that varies nothing has one run
  if (name[0] == '.') name = "_" + name;  // never "." or "..", never hidden
  return name;
}

namespace {

// The settings each run takes from the product and the explicit runs, before "base" and the seeds.
std::vector<SweepSettings> product_and_explicit_cells(const SweepSpec& spec) {
  std::vector<SweepSettings> cells;
  if (!spec.product.empty()) {
    std::vector<size_t> choice(spec.product.size(), 0);  // an odometer: the last key turns fastest
    for (;;) {
      SweepSettings cell;
      for (size_t k = 0; k < spec.product.size(); ++k)
        cell.emplace_back(spec.product[k].first, spec.product[k].second[choice[k]]);
      cells.push_back(cell);
      size_t k = spec.product.size();
      while (k > 0 && ++choice[k - 1] == spec.product[k - 1].second.size()) choice[--k] = 0;
      if (k == 0) break;
    }
  }
  cells.insert(cells.end(), spec.runs.begin(), spec.runs.end());
  if (cells.empty()) cells.emplace_back();  // only "base": one run
  return cells;
}

// The keys that name runs: the product's, the explicit runs' (first appearance), then "seed".
std::vector<std::string> varied_keys(const SweepSpec& spec, const std::string& source) {
  std::vector<std::string> keys;
  for (const auto& entry : spec.product) keys.push_back(entry.first);
  for (const SweepSettings& run : spec.runs)
    for (const auto& setting : run)
      if (setting.first != "id" && std::find(keys.begin(), keys.end(), setting.first) == keys.end())
        keys.push_back(setting.first);
  if (!spec.seeds.empty()) {
    require(std::find(keys.begin(), keys.end(), "seed") == keys.end(), source,
            ": \"seed\" is set both by \"seeds\" and by the product or the runs; give it in one place");
    keys.push_back("seed");
  }
  return keys;
}

// The id (and directory) of a run from its own varied values, or from its explicit "id".
void name_run(SpecRun& run, const SweepSettings& own, const std::vector<std::string>& keys,
              const SweepSpec& spec, const std::string& source) {
  const std::string* explicit_id = find_setting(own, "id");
  const std::string* seed = find_setting(own, "seed");
  if (explicit_id) {
    run.id = *explicit_id + (spec.seeds.empty() ? "" : "_seed" + *seed);
    require(
        !run.id.empty() && run.id[0] != '.' &&
            run.id.find_first_not_of(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+=,-") == std::string::npos,
        source, ": the run id '", run.id, "' must be letters, digits and ._+=,- (it names a directory)");
    run.directory = run.id;
    return;
  }
  SweepSettings varied;
  for (const std::string& key : keys)
    if (const std::string* value = find_setting(own, key)) {
      require(value->find_first_of(" \t\n,=") == std::string::npos, source, ": the value '", *value, "' of ",
              key, " names runs, so it cannot hold spaces, ',' or '='");
      varied.emplace_back(key, *value);
      run.id += (run.id.empty() ? "" : ",") + key + "=" + *value;
    }
  if (run.id.empty()) run.id = "base";
  run.directory = sweep_directory_name(varied);
}

// Checks a run's settings as `untangle train` checks its flags, naming the run in the error. The files a
// run reads (--data-file, --manipulation) are left out here and read when it trains: a sweep is written
// before the manipulation it uses exists, and reading a large dataset once per run would make `untangle
// sweep list` take minutes. Runs that differ only in their seed or those files are checked once.
void check_run_settings(const SpecRun& run, const std::string& source,
                        std::set<std::vector<std::string>>& checked) {
  std::vector<std::string> flags, key;
  for (const auto& [name, value] : run.settings) {
    if (name == "data-file" || name == "manipulation") continue;
    flags.insert(flags.end(), {"--" + name, value});
    if (name != "seed") key.insert(key.end(), {name, value});
  }
  if (!checked.insert(key).second) return;
  try {
    run_config_from_flags(flags);
  } catch (const Error& error) {
    fail(source, ": run '", run.id, "': ", error.what());
  }
}

}  // namespace

std::vector<SpecRun> expand_sweep(const SweepSpec& spec, const std::string& source) {
  const std::vector<std::string> keys = varied_keys(spec, source);
  std::vector<SpecRun> runs;
  std::map<std::string, size_t> by_id, by_directory;
  std::set<std::vector<std::string>> checked;
  for (const SweepSettings& cell : product_and_explicit_cells(spec)) {
    const size_t seed_count = std::max<size_t>(spec.seeds.size(), 1);
    for (size_t s = 0; s < seed_count; ++s) {
      SweepSettings own = cell;
      if (!spec.seeds.empty()) set_setting(own, "seed", std::to_string(spec.seeds[s]));
      SpecRun run;
      name_run(run, own, keys, spec, source);
      run.settings = spec.base;
      for (const auto& [key, value] : own)
        if (key != "id") set_setting(run.settings, key, value);
      require(run.directory.size() <= 200, source, ": the run name '", run.directory,
              "' is longer than 200 characters; vary fewer settings or give the runs explicit ids");
      const size_t index = runs.size();
      // (the insertions first: the messages' pieces are evaluated before require looks at the condition)
      const auto id_entry = by_id.emplace(run.id, index),
                 directory_entry = by_directory.emplace(run.directory, index);
      require(id_entry.second, source, ": runs ", id_entry.first->second + 1, " and ", index + 1,
              " have the same id '", run.id, "' (the same varied settings)");
      require(directory_entry.second, source, ": runs '", runs[directory_entry.first->second].id, "' and '",
              run.id, "' would share the directory '", run.directory, "'");
      check_run_settings(run, source, checked);
      runs.push_back(std::move(run));
    }
  }
  return runs;
}

namespace {

// A value as JSON: numbers stay numbers, everything else is a string (read back to the same text).
std::string json_setting_value(const std::string& value) {
  return is_json_number(value) ? value : JsonObject::quote(value);
}

std::string settings_json(const SweepSettings& settings) {
  std::string text = "{";
  for (size_t i = 0; i < settings.size(); ++i)
    text += (i ? ", " : "") + JsonObject::quote(settings[i].first) + ": " +
            json_setting_value(settings[i].second);
  return text + "}";
}

}  // namespace

std::string sweep_spec_json(const SweepSpec& spec, const std::string& results_as_written) {
  std::string text = "{\n  \"name\": " + JsonObject::quote(spec.name) +
                     ",\n  \"results\": " + JsonObject::quote(results_as_written) +
                     ",\n  \"base\": " + settings_json(spec.base);
  if (!spec.product.empty()) {
    text += ",\n  \"product\": {";
    for (size_t k = 0; k < spec.product.size(); ++k) {
      text += std::string(k ? "," : "") + "\n    " + JsonObject::quote(spec.product[k].first) + ": [";
      for (size_t i = 0; i < spec.product[k].second.size(); ++i)
        text += (i ? ", " : "") + json_setting_value(spec.product[k].second[i]);
      text += "]";
    }
    text += "\n  }";
  }
  if (!spec.runs.empty()) {
    text += ",\n  \"runs\": [";
    for (size_t i = 0; i < spec.runs.size(); ++i)
      text += std::string(i ? "," : "") + "\n    " + settings_json(spec.runs[i]);
    text += "\n  ]";
  }
  if (!spec.seeds.empty()) {
    text += ",\n  \"seeds\": [";
    for (size_t i = 0; i < spec.seeds.size(); ++i) text += (i ? ", " : "") + std::to_string(spec.seeds[i]);
    text += "]";
  }
  return text + "\n}\n";
}

void write_sweep_spec(const std::string& path, const SweepSpec& spec) {
  const std::filesystem::path folder = std::filesystem::absolute(path).parent_path();
  std::filesystem::create_directories(folder);
  // Relative to the spec's folder, so that the spec and its results can move together (to a cluster).
  const std::string results =
      std::filesystem::absolute(spec.results).lexically_normal().lexically_relative(folder).string();
  write_file_atomically(path, sweep_spec_json(spec, results.empty() ? "." : results));
}

SweepSpec sweep_spec_from_runs(const std::string& name, const std::string& results,
                               const std::vector<SweepRun>& runs) {
  std::vector<SweepSettings> settings;
  for (const SweepRun& run : runs) {
    SweepSettings own = {{"id", run.name}};
    for (size_t i = 0; i < run.flags.size(); i += 2) {
      const std::string& flag = run.flags[i];
      require(flag.rfind("--", 0) == 0 && flag.size() > 2 && i + 1 < run.flags.size(), run.name,
              ": sweep flags must be --name value pairs, got '", flag, "'");
      require(!find_setting(own, flag.substr(2)), run.name, ": ", flag, " is given twice");
      own.emplace_back(flag.substr(2), run.flags[i + 1]);
    }
    settings.push_back(own);
  }
  SweepSpec spec;
  spec.name = name;
  spec.results = results;
  if (settings.empty()) return spec;
  // A setting is shared when every run has it with the same value; it moves to "base".
  for (const auto& [key, value] : settings[0]) {
    if (key == "id") continue;
    bool shared = true;
    for (const SweepSettings& other : settings) {
      const std::string* theirs = find_setting(other, key);
      shared = shared && theirs && *theirs == value;
    }
    if (shared) spec.base.emplace_back(key, value);
  }
  for (SweepSettings& own : settings) {
    SweepSettings kept;
    for (const auto& setting : own)
      if (!find_setting(spec.base, setting.first)) kept.push_back(setting);
    spec.runs.push_back(kept);
  }
  return spec;
}

}  // namespace untangle
