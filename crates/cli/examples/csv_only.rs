//! The baseline for `scripts/bench-cli.sh`: the csv crate alone reading a file, every
//! record into one reused `ByteRecord` (no decoding, mapping or checking), counting rows
//! and fields. Run: `cargo run --release -p roster-cli --example csv_only -- FILE`.

fn main() {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: csv_only FILE");
        std::process::exit(2);
    };
    let mut reader = match csv::ReaderBuilder::new().flexible(true).from_path(&path) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("csv_only: {e}");
            std::process::exit(2);
        }
    };
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut fields) = (0u64, 0u64);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                rows += 1;
                fields += record.len() as u64;
            }
            Ok(false) => break,
            Err(e) => {
                eprintln!("csv_only: {e}");
                std::process::exit(1);
            }
        }
    }
    println!("{rows} rows, {fields} fields");
}
