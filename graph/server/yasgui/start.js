// Starts YASGUI on this server's endpoint with the project's named questions as tabs (read from the page's
// JSON block). No request leaves this server: the LOV autocompleters are replaced (configs are lodash-merged, so an
// empty list would not remove them), the endpoint catalogue lists only this endpoint, nothing is persisted.
(function () {
  "use strict";
  var endpoint = new URL("/sparql", window.location.href).href;
  var examples = JSON.parse(document.getElementById("examples").textContent);
  Yasgui.defaults.yasqe.autocompleters = ["variables", "prefixes"];
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: {endpoint: endpoint, method: "POST"},
    copyEndpointOnNewTab: true,
    persistenceId: null,
    autoAddOnInit: false,
    populateFromUrl: false,
    endpointCatalogueOptions: {getData: function () { return [{endpoint: endpoint}]; }}
  });
  examples.forEach(function (example, index) {
    yasgui.addTab(index === 0, {name: example.name, yasqe: {value: example.query},
                                requestConfig: {endpoint: endpoint}});
  });
  window.yasgui = yasgui;
})();
