// Every page of the admin UI: name (the URL's first segment) -> render(view, {arg, query, me}).
// A render may return {leave()} to stop its timers when the page changes.
import { adminPage } from "./pages/admin.js";
import { deadLettersPage } from "./pages/deadletters.js";
import { deploymentsPage } from "./pages/deployments.js";
import { doraPage } from "./pages/dora.js";
import { environmentsPage } from "./pages/environments.js";
import { eventsPage } from "./pages/events.js";
import { imagesPage } from "./pages/images.js";
import { servicesPage } from "./pages/services.js";

export const PAGES = {
  environments: environmentsPage, events: eventsPage, deployments: deploymentsPage,
  services: servicesPage, images: imagesPage, dora: doraPage, deadletters: deadLettersPage,
  admin: adminPage,
};

export const TITLES = {
  environments: "Environments", events: "Event log", deployments: "Deployments",
  services: "Services", images: "Images", dora: "DORA", deadletters: "Dead letters",
  admin: "Tokens & webhooks",
};
