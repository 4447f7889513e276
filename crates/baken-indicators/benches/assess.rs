//! Criterion benchmarks: one assessment, and loading (parse + check + index)
//! the shipped library. Targets: assessment < 20 µs median, load < 50 ms.
//!
//! Run: `cargo bench -p baken-indicators --bench assess`

use std::hint::black_box;

use baken_indicators::{
    embedded, embedded_sources, load_sources, Answer, AssessmentInput, Observation, Subject,
};
use criterion::{criterion_group, criterion_main, Criterion};

fn input(ids: &[(&str, Answer)]) -> AssessmentInput {
    AssessmentInput {
        subject: Subject::Adult,
        context: Some("business_inspection".into()),
        language: Some("nl".into()),
        observations: ids
            .iter()
            .map(|(id, a)| Observation {
                indicator: (*id).into(),
                answer: *a,
            })
            .collect(),
    }
}

fn bench(c: &mut Criterion) {
    let lib = embedded().expect("library");
    // A busy, realistic intake: eight yes, two no, two unknown across four stages.
    let typical = input(&[
        ("ENT-01", Answer::Yes),
        ("ENT-02", Answer::Yes),
        ("WRK-01", Answer::Yes),
        ("WRK-02", Answer::Yes),
        ("IDR-01", Answer::Yes),
        ("IDR-02", Answer::Yes),
        ("FIN-03", Answer::Yes),
        ("HOU-01", Answer::Yes),
        ("WRK-03", Answer::No),
        ("HOU-06", Answer::No),
        ("EXT-03", Answer::Unknown),
        ("FIN-01", Answer::Unknown),
    ]);
    c.bench_function("assess/typical_12_observations", |b| {
        b.iter(|| lib.assess(black_box(&typical)).expect("ok"))
    });
    let single = input(&[("IDR-04", Answer::Yes)]);
    c.bench_function("assess/single_observation", |b| {
        b.iter(|| lib.assess(black_box(&single)).expect("ok"))
    });
    let sources = embedded_sources();
    c.bench_function("load/embedded_library", |b| {
        b.iter(|| load_sources(black_box(sources.clone())).expect("ok"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
