//! `leadscore compile`: validates a rules file as `check` does and writes its compiled
//! form (src/core/compiled), the only rules the site tag reads.

use crate::args::Flags;
use crate::output::{name, problem_line};
use crate::read;
use leadscore::RuleSet;
use std::io::Write;
use std::process::ExitCode;

pub const HELP: &str = "\
usage: leadscore compile RULES.json -o RULES.lsc

Validates a rules file and writes its compiled form: a compact, versioned binary file
(magic \"LSCR\", format version, length, CRC-32 checksum) that the site tag reads with
data-rules=\"/leadscore/rules.lsc\". The tag ships no JSON reader: every problem is found
here, before a rule set reaches a visitor. RULES.json may be - for standard input.

  -o, --out FILE   where to write the compiled rules (- for standard output)
  -h, --help       this help

Problems are printed as `check` prints them, one line per problem in the compiler
convention FILE:LINE:COL: PATH: message, and nothing is written.

exit codes: 0 written, 2 usage error, unreadable file, invalid rules or unwritable output";

pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let args: Vec<String> = args
        .iter()
        .map(|a| match a.as_str() {
            "-o" => "--out".to_string(),
            _ => a.clone(),
        })
        .collect();
    let f = Flags::parse(&args, &["out"], &[])?;
    let [path] = f.positional.as_slice() else {
        return Err("compile takes one rules file".into());
    };
    let out = f.need("out")?;
    if out == path && out != "-" {
        return Err(format!("-o {out} would overwrite the rules file"));
    }
    let set = match RuleSet::from_text(&read(path)?) {
        Ok(set) => set,
        Err(problems) => {
            let mut err = std::io::stderr().lock();
            for e in &problems {
                let _ = writeln!(err, "{}", problem_line(name(path), e));
            }
            let _ = writeln!(
                err,
                "leadscore: {}: invalid rules, nothing written",
                name(path)
            );
            return Ok(ExitCode::from(2));
        }
    };
    let bytes = leadscore::compiled::encode(&set);
    if out == "-" {
        std::io::stdout()
            .write_all(&bytes)
            .map_err(|e| format!("<stdout>: {e}"))?;
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::write(out, &bytes).map_err(|e| format!("{out}: {e}"))?;
    println!(
        "{out}: {} bytes, format {}, version \"{}\": {} rules (from {})",
        bytes.len(),
        leadscore::compiled::FORMAT_VERSION,
        set.version,
        set.rules.len(),
        name(path)
    );
    Ok(ExitCode::SUCCESS)
}
