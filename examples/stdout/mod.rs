//! What the examples that only write share: standard output, buffered,
//! until the reader closes it.

use std::error::Error;
use std::io::{self, BufWriter, StdoutLock, Write};
use std::process::ExitCode;

/// Runs `run` on buffered standard output and says how the example ends:
/// successfully also when the reader closed the pipe (`| head`), quietly;
/// otherwise with `example: reason` on standard error and status 1.
pub(crate) fn write_with(
    example: &str,
    run: impl FnOnce(&mut BufWriter<StdoutLock<'static>>) -> Result<(), Box<dyn Error>>,
) -> ExitCode {
    let mut out = BufWriter::new(io::stdout().lock());
    match run(&mut out).and_then(|()| Ok(out.flush()?)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&*err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{example}: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `err` is a write to a closed pipe.
fn is_broken_pipe(err: &(dyn Error + 'static)) -> bool {
    err.downcast_ref::<io::Error>()
        .is_some_and(|err| err.kind() == io::ErrorKind::BrokenPipe)
}
