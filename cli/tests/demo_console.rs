//! `weprotect demo --console` keeps its service running and prints a working one-time link.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

#[test]
fn demo_console_keeps_the_service_running_and_its_one_time_link_opens_the_enrolment_page() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weprotect"))
        .args(["demo", "--console"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let link = loop {
        let line = lines
            .next()
            .expect("the demo ended without a console link")
            .unwrap();
        if let Some(at) = line.find("http://")
            && line.contains("/console/enrol/")
        {
            break line[at..].trim().to_string();
        }
    };
    let rest = link.trim_start_matches("http://");
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("Set up your account"));
    // Ctrl-C stops it cleanly.
    let stopped = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(child.wait().unwrap().success());
}
