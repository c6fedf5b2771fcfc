//! One snapshot per verb and output form, each from a fresh world of seed 7.

use crate::world;

/// Runs a script in a fresh world and snapshots the transcript under `name`.
fn snapshot(name: &str, script: &str) {
    let mut w = world(7);
    let (transcript, _) = w.run_script(script);
    insta::assert_snapshot!(name, transcript);
}

#[test]
fn get_tables_in_every_form() {
    snapshot(
        "get_tables",
        "kubectl get pods -n sock-shop
kubectl get pods -n sock-shop -o wide
kubectl get pods -A --show-labels
kubectl get deployments -n sock-shop -o wide
kubectl get rs -n sock-shop --no-headers
kubectl get svc -n sock-shop
kubectl get svc,ep -n monitoring
kubectl get nodes -o wide
kubectl get ns
kubectl get all -n sock-shop
kubectl get cm -A
kubectl get sa -n sock-shop
kubectl get pods -n sock-shop -l name=catalogue -L name
kubectl get pods -n sock-shop -l 'name in (carts,orders)'
kubectl get hpa -n sock-shop
kubectl get jobs -n sock-shop
kubectl get pods",
    );
}

#[test]
fn get_by_name_and_machine_formats() {
    snapshot(
        "get_machine_formats",
        "kubectl get deploy catalogue -n sock-shop -o yaml
kubectl get svc front-end -n sock-shop -o json
kubectl get pods -n sock-shop -o name
kubectl get deploy/catalogue svc/catalogue -n sock-shop -o name
kubectl get deploy catalogue carts nope -n sock-shop
kubectl get node kind-control-plane -o yaml",
    );
}

#[test]
fn describe_each_kind() {
    snapshot(
        "describe",
        "kubectl describe deployment catalogue -n sock-shop
kubectl describe svc front-end -n sock-shop
kubectl describe svc rabbitmq -n sock-shop
kubectl describe pod -n sock-shop -l name=rabbitmq
kubectl describe node kind-control-plane
kubectl describe deploy nope -n sock-shop",
    );
}

#[test]
fn logs_forms() {
    snapshot(
        "logs",
        "kubectl logs -n sock-shop deploy/catalogue --tail=3
kubectl logs -n sock-shop deployment/rabbitmq --tail=2
kubectl logs -n sock-shop deployment/rabbitmq -c rabbitmq-exporter --tail=2
kubectl logs -n sock-shop deploy/carts --previous
kubectl logs -n sock-shop nope",
    );
}

#[test]
fn state_changing_verbs() {
    snapshot(
        "mutations",
        "kubectl scale deployment catalogue --replicas=3 -n sock-shop
kubectl scale deploy/catalogue --replicas=-1 -n sock-shop
kubectl scale deployment catalogue -n sock-shop
kubectl set image deployment/catalogue catalogue=weaveworksdemos/catalogue:0.3.4 -n sock-shop
kubectl set image deployment/catalogue nope=x -n sock-shop
kubectl set env deployment/catalogue LOGGER_FLAG=true -n sock-shop
kubectl set resources deployment catalogue --limits=cpu=400m,memory=256Mi -n sock-shop
kubectl rollout status deployment/catalogue -n sock-shop
kubectl rollout history deployment/catalogue -n sock-shop
kubectl rollout undo deployment/catalogue -n sock-shop
kubectl rollout restart deployment catalogue -n sock-shop
kubectl rollout pause deployment catalogue -n sock-shop
kubectl rollout resume deployment catalogue -n sock-shop
kubectl autoscale deployment catalogue --min=1 --max=5 --cpu-percent=50 -n sock-shop
kubectl autoscale deployment catalogue --max=5 -n sock-shop
kubectl patch deployment carts -n sock-shop -p '{\"spec\":{\"replicas\":2}}'
kubectl patch deployment carts -n sock-shop --type=json -p '[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":1}]'
kubectl patch deployment carts -n sock-shop -p '{\"spec\":{\"replicas\":1}}'
kubectl label deployment carts -n sock-shop tier=backend
kubectl label deployment carts -n sock-shop tier=frontend
kubectl label deployment carts -n sock-shop tier=frontend --overwrite
kubectl annotate svc carts -n sock-shop owner=team-a
kubectl delete pod -n sock-shop -l name=payment
kubectl get pods -n sock-shop -l name=payment
kubectl apply -f manifests/05-catalogue-dep.yaml
kubectl create -f manifests/06-catalogue-svc.yaml
kubectl apply -f nope.yaml
kubectl get deploy catalogue -n sock-shop",
    );
}

#[test]
fn cluster_level_commands() {
    snapshot(
        "cluster",
        "kubectl version
kubectl version --client
kubectl api-resources
kubectl config current-context
kubectl cluster-info
kubectl top pods -n sock-shop",
    );
}

#[test]
fn client_side_errors() {
    snapshot(
        "errors",
        "kubectl gett pods
kubectl get pods --foo
kubectl get pods -z
kubectl get
kubectl get widgets
kubectl rollout status
kubectl logs
kubectl get pods -o yamll
kubectl get pods -n
kubectl get pods | grep catalogue
kubectl get pods 'unterminated
helm list",
    );
}
