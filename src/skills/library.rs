//! The skills themselves, merging of duplicates, and retrieval.

use serde::{Deserialize, Serialize};

use super::bm25;
use crate::llm::protocol::{SkillKind, SkillProposal};

/// Where a skill came from: the learning task and round whose execution it was curated from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Provenance {
    /// The round, 1-based.
    pub round: u32,
    /// The task's id within the trial (`r1-t2`).
    pub task_id: String,
    /// The task sentence.
    pub task: String,
}

/// One validated skill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skill {
    /// Stable id within the library, in order of entry.
    pub id: u32,
    /// Command, Reflection or Configuration.
    pub kind: SkillKind,
    /// A short title.
    pub title: String,
    /// What the skill says.
    pub body: String,
    /// The command line, for skills that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// When to use it.
    pub when_to_use: String,
    /// The service it is about (empty for the whole deployment).
    pub service: String,
    /// Every execution that proposed it; the first is where it was learned.
    pub provenance: Vec<Provenance>,
}

impl Skill {
    /// The skill as the protocol renders it into a `## Skills` section.
    pub fn to_proposal(&self) -> SkillProposal {
        SkillProposal {
            kind: self.kind,
            title: self.title.clone(),
            body: self.body.clone(),
            command: self.command.clone(),
            when_to_use: self.when_to_use.clone(),
            service: self.service.clone(),
        }
    }

    /// The text retrieval ranks on.
    fn text(&self) -> String {
        format!(
            "{} {} {} {} {}",
            self.title,
            self.body,
            self.when_to_use,
            self.command.as_deref().unwrap_or(""),
            self.service
        )
    }

    /// What makes two skills the same: kind, service, and what the skill is, compared
    /// without case or extra spaces: a Command skill's command (its title without one), a
    /// Configuration skill's fact (its body, however it was checked), a Reflection's title.
    fn identity(
        kind: SkillKind,
        service: &str,
        command: Option<&str>,
        title: &str,
        body: &str,
    ) -> String {
        let what = match kind {
            SkillKind::Command => command.unwrap_or(title),
            SkillKind::Configuration => body,
            SkillKind::Reflection => title,
        };
        let what: Vec<&str> = what.split_whitespace().collect();
        format!(
            "{kind:?}|{}|{}",
            service.to_lowercase(),
            what.join(" ").to_lowercase()
        )
    }
}

/// What to retrieve: the task text, optional filters, and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillQuery {
    /// The text to rank against (the task sentence, the instruction).
    pub text: String,
    /// Only skills about this service, or about no service in particular.
    pub service: Option<String>,
    /// Only skills of these kinds (all when empty).
    pub kinds: Vec<SkillKind>,
    /// At most this many.
    pub top_k: usize,
}

/// The library: one ordered store of skills.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillLibrary {
    /// The skills, by id.
    pub skills: Vec<Skill>,
}

/// What adding a proposal did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Added {
    /// A new skill with this id.
    New(u32),
    /// Merged into the skill with this id.
    Merged(u32),
}

impl SkillLibrary {
    /// An empty library.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of skills.
    pub fn len(&self) -> usize {
        self.skills.len()
    }

    /// Whether the library is empty.
    pub fn is_empty(&self) -> bool {
        self.skills.is_empty()
    }

    /// Skills of `kind`.
    pub fn count(&self, kind: SkillKind) -> usize {
        self.skills.iter().filter(|s| s.kind == kind).count()
    }

    /// Adds a validated proposal, merging it into an existing skill with the same identity
    /// (the provenance is appended; the first wording stays).
    pub fn add(&mut self, proposal: &SkillProposal, provenance: Provenance) -> Added {
        let identity = proposal_identity(proposal);
        if let Some(existing) = self.skills.iter_mut().find(|s| {
            Skill::identity(s.kind, &s.service, s.command.as_deref(), &s.title, &s.body) == identity
        }) {
            if !existing.provenance.contains(&provenance) {
                existing.provenance.push(provenance);
            }
            return Added::Merged(existing.id);
        }
        let id = self.skills.last().map_or(1, |s| s.id + 1);
        self.skills.push(Skill {
            id,
            kind: proposal.kind,
            title: proposal.title.clone(),
            body: proposal.body.clone(),
            command: proposal.command.clone(),
            when_to_use: proposal.when_to_use.clone(),
            service: proposal.service.clone(),
            provenance: vec![provenance],
        });
        Added::New(id)
    }

    /// Whether a proposal would merge into an existing skill.
    pub fn contains(&self, proposal: &SkillProposal) -> bool {
        let identity = proposal_identity(proposal);
        self.skills.iter().any(|s| {
            Skill::identity(s.kind, &s.service, s.command.as_deref(), &s.title, &s.body) == identity
        })
    }

    /// The top-k skills for a query by BM25, best first; ties keep library order. Skills that
    /// share no word with the query are not returned.
    pub fn retrieve(&self, query: &SkillQuery) -> Vec<&Skill> {
        let candidates: Vec<&Skill> = self
            .skills
            .iter()
            .filter(|s| query.kinds.is_empty() || query.kinds.contains(&s.kind))
            .filter(|s| match &query.service {
                Some(service) => s.service.is_empty() || s.service == *service,
                None => true,
            })
            .collect();
        let texts: Vec<String> = candidates.iter().map(|s| s.text()).collect();
        let scores = bm25::scores(&texts, &query.text);
        let mut ranked: Vec<(usize, f64)> = scores
            .into_iter()
            .enumerate()
            .filter(|(_, s)| *s > 0.0)
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(query.top_k)
            .map(|(i, _)| candidates[i])
            .collect()
    }

    /// A short summary for the curriculum: counts by kind and the titles.
    pub fn summary(&self) -> String {
        if self.skills.is_empty() {
            return "No skills yet.".to_owned();
        }
        let mut out = format!(
            "{} skills: {} command, {} reflection, {} configuration.\n",
            self.len(),
            self.count(SkillKind::Command),
            self.count(SkillKind::Reflection),
            self.count(SkillKind::Configuration)
        );
        for skill in &self.skills {
            out.push_str(&format!(
                "- {} ({:?}, {})\n",
                skill.title, skill.kind, skill.service
            ));
        }
        out
    }
}

/// A proposal's identity, as [`Skill::identity`] computes a stored skill's.
fn proposal_identity(proposal: &SkillProposal) -> String {
    Skill::identity(
        proposal.kind,
        &proposal.service,
        proposal.command.as_deref(),
        &proposal.title,
        &proposal.body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proposal(
        kind: SkillKind,
        title: &str,
        command: Option<&str>,
        service: &str,
    ) -> SkillProposal {
        SkillProposal {
            kind,
            title: title.to_owned(),
            body: format!("{title} body"),
            command: command.map(str::to_owned),
            when_to_use: title.to_owned(),
            service: service.to_owned(),
        }
    }

    fn from(round: u32) -> Provenance {
        Provenance {
            round,
            task_id: format!("r{round}-t1"),
            task: "t".into(),
        }
    }

    #[test]
    fn duplicates_merge_and_keep_every_provenance() {
        let mut lib = SkillLibrary::new();
        let p = proposal(
            SkillKind::Command,
            "Pods of catalogue",
            Some("kubectl get pods  -n sock-shop"),
            "catalogue",
        );
        assert_eq!(lib.add(&p, from(1)), Added::New(1));
        let mut again = p.clone();
        again.command = Some("kubectl get pods -n sock-shop".into());
        again.title = "Other words".into();
        assert_eq!(lib.add(&again, from(2)), Added::Merged(1));
        assert_eq!(lib.len(), 1);
        assert_eq!(lib.skills[0].provenance.len(), 2);

        // A fact is the same fact whichever command checked it.
        let mut fact = proposal(
            SkillKind::Configuration,
            "Selector",
            Some("curl a"),
            "catalogue",
        );
        assert_eq!(lib.add(&fact, from(1)), Added::New(2));
        fact.command = Some("curl b".into());
        assert_eq!(lib.add(&fact, from(2)), Added::Merged(2));
    }

    #[test]
    fn retrieval_ranks_by_text_and_honours_filters() {
        let mut lib = SkillLibrary::new();
        lib.add(
            &proposal(
                SkillKind::Command,
                "Scale catalogue",
                Some("kubectl scale deployment catalogue --replicas=2"),
                "catalogue",
            ),
            from(1),
        );
        lib.add(
            &proposal(
                SkillKind::Configuration,
                "Namespace of catalogue",
                None,
                "catalogue",
            ),
            from(1),
        );
        lib.add(
            &proposal(
                SkillKind::Configuration,
                "Namespace of front-end",
                None,
                "front-end",
            ),
            from(1),
        );
        let query = SkillQuery {
            text: "Scale catalogue to 3 replicas".into(),
            service: Some("catalogue".into()),
            kinds: vec![],
            top_k: 5,
        };
        let found: Vec<u32> = lib.retrieve(&query).iter().map(|s| s.id).collect();
        assert_eq!(found, vec![1, 2]);
        let only_config = SkillQuery {
            kinds: vec![SkillKind::Configuration],
            top_k: 1,
            ..query
        };
        assert_eq!(lib.retrieve(&only_config)[0].id, 2);
    }
}
