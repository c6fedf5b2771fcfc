//! The requests of the recorded small-model session, shared by the live test that records it
//! and the replay test that checks it.

use odyssey::llm::protocol::{Prompt, Section};
use odyssey::llm::{ChatRequest, Params, Role};

/// The model name the session asks for (llama.cpp's server answers with any name).
pub(crate) const MODEL: &str = "smollm2-135m-instruct";

/// The session's requests, in order.
pub(crate) fn requests() -> Vec<ChatRequest> {
    let params = Params {
        temperature: Some(0.0),
        max_tokens: Some(48),
        seed: Some(7),
    };
    let agent_prompt = Prompt::new()
        .section(Section::Task, "Check the health of catalogue")
        .section(Section::Service, "catalogue")
        .section(
            Section::ReplyFormat,
            "{\"thought\": \"...\", \"command\": \"kubectl ...\"}",
        )
        .render();
    vec![
        ChatRequest::new(Role::Verifier)
            .model(MODEL)
            .system("You are a terse assistant.")
            .user("Say hello in one word.")
            .params(params.clone()),
        ChatRequest::new(Role::Agent)
            .model(MODEL)
            .system("You operate a Kubernetes deployment. Reply with one JSON object.")
            .user(agent_prompt)
            .params(params.clone()),
        ChatRequest::new(Role::Curriculum)
            .model(MODEL)
            .system("You propose tasks for operating Sock Shop.")
            .user("Propose one easy observation task for catalogue as JSON.")
            .params(params),
    ]
}
