/** Events: in-process publish/subscribe between modules (alerts → pipelines, deployments → monitoring). */
export { EventBus, type PuenteEvent, type EventHandler } from './event-bus.js';
