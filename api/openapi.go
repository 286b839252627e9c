package api

import (
	_ "embed" // for openapi.json
	"net/http"

	"github.com/gin-gonic/gin"
)

// openapiDoc is the OpenAPI 3.1 description of every route, kept by hand
// beside the handlers; openapi_test.go checks it against the routes and
// validates real requests and responses with it.
//
//go:embed openapi.json
var openapiDoc []byte

// OpenAPI returns the OpenAPI 3.1 document describing the API, as JSON. The
// slice is a copy: callers may change it.
func OpenAPI() []byte {
	return append([]byte(nil), openapiDoc...)
}

// openapi serves GET /openapi.json: the document, to anyone, as it holds
// no data of the archive.
func (s *Server) openapi(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openapiDoc)
}
