//! Command-line arguments: `--name value`, `--name=value`, bare switches and positionals,
//! and the numbers options carry.

/// The parsed arguments of one command.
pub struct Flags {
    pub positional: Vec<String>,
    named: Vec<(String, Option<String>)>,
}

impl Flags {
    /// `with_value` options take a value, `switches` do not; anything else is an error.
    pub fn parse(args: &[String], with_value: &[&str], switches: &[&str]) -> Result<Flags, String> {
        let mut f = Flags {
            positional: Vec::new(),
            named: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let Some(name) = a.strip_prefix("--") else {
                f.positional.push(a.clone());
                continue;
            };
            let (name, inline) = match name.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (name, None),
            };
            if with_value.contains(&name) {
                let v = inline.or_else(|| it.next().cloned());
                let v = v.ok_or(format!("--{name} needs a value"))?;
                f.named.push((name.to_string(), Some(v)));
            } else if switches.contains(&name) {
                f.named.push((name.to_string(), None));
            } else {
                return Err(format!("unknown option --{name}"));
            }
        }
        Ok(f)
    }

    /// The last value given for `--name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.named
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    pub fn has(&self, name: &str) -> bool {
        self.named.iter().any(|(n, _)| n == name)
    }

    /// `--name`, which must be given.
    pub fn need(&self, name: &str) -> Result<&str, String> {
        self.get(name).ok_or(format!("--{name} is required"))
    }

    /// `--now MS`, when given: milliseconds since the epoch.
    pub fn now(&self) -> Result<Option<f64>, String> {
        self.get("now")
            .map(|s| {
                s.parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or(format!(
                        "--now must be milliseconds since the epoch, got {s:?}"
                    ))
            })
            .transpose()
    }

    /// A whole number option, `default` when absent.
    pub fn count(&self, name: &str, default: usize) -> Result<usize, String> {
        match self.get(name) {
            None => Ok(default),
            Some(s) => s
                .parse()
                .map_err(|_| format!("--{name} must be a whole number, got {s:?}")),
        }
    }
}

/// The current time in milliseconds since the epoch: the server's clock.
pub fn clock() -> Result<f64, String> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as f64)
        .map_err(|e| format!("the system clock is before 1970: {e}"))
}
