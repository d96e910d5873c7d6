// The run directory's CSV logs (train_log.csv, metrics_log.csv, manipulation_log.csv): rows appended
// one line at a time as training goes, and cut back to a checkpoint's step when a run resumes.
//
// A log must survive what kills runs: a hard kill leaves at most the rows written before it (each row
// is one write() of a whole line), and a full file system fails the write with an error naming the file,
// the file cut back to its last complete row — never a row silently lost or half kept. On resume, rows
// after the checkpoint's step are dropped (they are logged again), and so is a blank or partial line
// (what a full disk or an older untangle could leave), with a warning, rather than failing the resume.
#pragma once
#include <string>

namespace untangle {

class CsvLog {
 public:
  // Opens `path` for appending; a new or empty file starts with `header`.
  CsvLog(const std::string& path, const std::string& header);
  ~CsvLog();
  CsvLog(const CsvLog&) = delete;
  CsvLog& operator=(const CsvLog&) = delete;

  // Appends `line` and a newline. On a failed write (e.g. no space left) the file is cut back to the rows
  // before it and untangle::Error names the file and the reason.
  void row(const std::string& line);

 private:
  std::string path_;
  int descriptor_ = -1;
};

// Keeps the header and the rows whose first column (a step) is at most `last_step`, up to the first
// blank, partial or out-of-order line (cut there, with a warning on stderr). A non-empty `header`
// replaces the file's own (a log written by an older untangle gets the current column names). A
// missing file is left missing.
void keep_log_rows_up_to(const std::string& path, long long last_step, const std::string& header = "");

}  // namespace untangle
