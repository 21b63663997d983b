//! The `ecs-sim` command.

fn main() {
    std::process::exit(ecs_sim::cli::main());
}
