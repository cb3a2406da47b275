//! The `rujukan` binary: everything happens in [`rujukan::cli`].

fn main() -> std::process::ExitCode {
    rujukan::cli::main()
}
