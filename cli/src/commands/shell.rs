//! `feishu-perf completions SHELL` and `feishu-perf man`: shell completions
//! (clap_complete) and the manual page (clap_mangen), from the grammar itself.

use clap::CommandFactory;

use crate::args::{Cli, Shell};
use crate::exit::{Failure, Status};

/// The completion script for `shell`, on stdout.
pub fn completions(shell: Shell) -> Result<Status, Failure> {
    let mut command = Cli::command();
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    clap_complete::generate(shell, &mut command, "feishu-perf", &mut std::io::stdout());
    Ok(Status::Success)
}

/// The manual page (roff), on stdout.
pub fn man() -> Result<Status, Failure> {
    let page = clap_mangen::Man::new(Cli::command());
    page.render(&mut std::io::stdout())
        .map_err(|e| Failure::usage(format!("cannot write the manual page: {e}")))?;
    Ok(Status::Success)
}
